"""Fixtures for the hardening tests: figures, served apps, stores on moto and DynamoDB Local.

Every test reports one figure through the `figure` fixture: it is printed and recorded as the
test's `figure` property (pytest's record_property), so `--junitxml` collects them all.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import pytest
from moto import mock_aws

from gql.config import Settings
from gql.store.client import DynamoDB, make_client
from gql.store.readings import ReadingStore
from gql.store.tables import Tables
from gql.web.app import create_app
from tests.api.conftest import serve_in_thread, settings_for
from tests.conftest import local_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GRAPHQL_RESPONSE = "application/graphql-response+json"

Figure = Callable[[str], None]


@pytest.fixture
def figure(record_property: Callable[[str, object], None]) -> Figure:
    """Report this test's figure: printed, and recorded as the `figure` property."""

    def report(text: str) -> None:
        print(f"figure: {text}")
        record_property("figure", text)

    return report


# -- stores ------------------------------------------------------------------------------------


def unique_table() -> str:
    return f"Hardening-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def moto_client() -> Iterator[DynamoDBClient]:
    """In-process moto, one per test module (a client takes a fraction of a second to build)."""
    with mock_aws():
        client = boto3.client(
            "dynamodb",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        yield client
        client.close()


def new_moto_store(client: DynamoDBClient) -> ReadingStore:
    """A store on a fresh table in moto (serialized, as the embedded backend is)."""
    table = unique_table()
    Tables(DynamoDB(client, table), sleep=lambda _: None).create(wait=True)
    return ReadingStore(client, table, lock=threading.Lock(), sleep=lambda _: None)


@pytest.fixture
def moto_store(moto_client: DynamoDBClient) -> ReadingStore:
    """A fresh table for this test."""
    return new_moto_store(moto_client)


@pytest.fixture(scope="module")
def module_store(moto_client: DynamoDBClient) -> ReadingStore:
    """A table shared by the tests of one module (each uses keys of its own)."""
    return new_moto_store(moto_client)


@pytest.fixture
def local_ddb(request: pytest.FixtureRequest) -> Iterator[DynamoDBClient]:
    """A client on DynamoDB Local; the test is skipped (and counted) without it."""
    request.node.user_properties.append(("backend", "dynamodb-local"))
    client = local_client()
    yield client
    client.close()


@pytest.fixture
def local_table(local_ddb: DynamoDBClient) -> Iterator[str]:
    """A fresh table on DynamoDB Local (its stream off: none is read here), deleted afterwards."""
    table = unique_table()
    tables = Tables(DynamoDB(local_ddb, table), sleep=lambda _: None)
    tables.create(wait=True, stream=False)
    yield table
    tables.delete()


@pytest.fixture
def local_store(local_ddb: DynamoDBClient, local_table: str) -> ReadingStore:
    return ReadingStore(local_ddb, local_table, sleep=lambda _: None)


@pytest.fixture
def store_at() -> Iterator[Callable[[Settings], ReadingStore]]:
    """Stores whose client talks to `settings.endpoint_url` (a fake or proxy on loopback),
    built by the app's own make_client, so timeouts and retries are the configured ones."""
    clients: list[DynamoDBClient] = []

    def build(settings: Settings) -> ReadingStore:
        client = make_client(settings, aws_access_key_id="x", aws_secret_access_key="x")
        clients.append(client)
        return ReadingStore(client, settings.table, read_budget=settings.read_budget)

    yield build
    for client in clients:
        client.close()


# -- served apps -------------------------------------------------------------------------------


@dataclass
class Http:
    """An httpx client on one served app."""

    client: httpx.Client
    url: str

    def post(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        payload: dict[str, Any] = {"query": document}
        if variables is not None:
            payload["variables"] = dict(variables)
        return self.client.post("/graphql", json=payload, headers=headers)

    def body(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        return decoded(self.post(document, variables, headers=headers))

    def data(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = self.body(document, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


def decoded(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response.content)
    return body


def codes(body: Mapping[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code", "") for error in body.get("errors", [])]


@contextlib.contextmanager
def served(settings: Settings, store: ReadingStore | None = None) -> Iterator[Http]:
    """The app under uvicorn on a loopback port; without a store it builds its own."""
    with (
        serve_in_thread(create_app(settings, store=store)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield Http(client, url)


Serve = Callable[..., Http]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """`serve(settings, store=None)`: a served app (see `served`) that lives until teardown."""
    with contextlib.ExitStack() as stack:

        def start(settings: Settings, store: ReadingStore | None = None) -> Http:
            return stack.enter_context(served(settings, store))

        yield start


@pytest.fixture(scope="module")
def http(module_store: ReadingStore) -> Iterator[Http]:
    """The app with default settings on the module's moto table, shared by the module."""
    with served(settings_for(module_store.table), module_store) as http:
        yield http
