"""Backends for the tests: moto in-process, and real DynamoDB Local when it is running.

DynamoDB Local listens on every interface, so it is only ever started inside a private
network namespace (`scripts/in-netns`), which exports DYNAMODB_LOCAL_URL. Without it the
DynamoDB Local half of every parametrized test is skipped, and says why.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.tables import Tables
from tests.persistent_local import PersistentDynamoDBLocal

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BACKENDS = ["moto", "dynamodb-local"]
LOCAL_URL = os.environ.get("DYNAMODB_LOCAL_URL")
NO_LOCAL = (
    "DynamoDB Local is not running: run the suite with `make test`, which starts it inside a "
    "private network namespace (scripts/in-netns) and sets DYNAMODB_LOCAL_URL"
)

_local_counts = {"passed": 0, "failed": 0, "skipped": 0}


def local_client() -> DynamoDBClient:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    return boto3.client(
        "dynamodb",
        endpoint_url=LOCAL_URL,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture(autouse=True)
def _clean_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests build their own clients; the machine's AWS settings must not leak into them.
    for name in list(os.environ):
        if name.startswith(("AWS_", "GQL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(params=BACKENDS)
def client(request: pytest.FixtureRequest) -> Iterator[DynamoDBClient]:
    if request.param == "dynamodb-local":
        request.node.user_properties.append(("backend", "dynamodb-local"))
        yield local_client()
        return
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def table(client: DynamoDBClient) -> Iterator[str]:
    """A fresh, empty Devices-shaped table under a unique name, deleted afterwards."""
    name = f"Devices-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(client, name), sleep=lambda _: None)
    tables.create(wait=True)
    yield name
    tables.delete()


@pytest.fixture
def store(request: pytest.FixtureRequest, client: DynamoDBClient, table: str) -> ReadingStore:
    # In-process moto is not thread-safe: serialize calls to it, as the embedded backend does.
    lock = threading.Lock() if request.node.callspec.params["client"] == "moto" else None
    return ReadingStore(client, table, lock=lock, sleep=lambda _: None)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if ("backend", "dynamodb-local") not in report.user_properties:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _local_counts[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = _local_counts
    terminalreporter.write_line(
        f"DynamoDB Local: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped" + ("" if LOCAL_URL else f" ({NO_LOCAL})")
    )


@pytest.fixture
def dynamodb_local(  # a DynamoDB Local of the test's own, that it may stop
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[PersistentDynamoDBLocal]:
    if not LOCAL_URL:
        # Only inside the private network namespace may DynamoDB Local be started.
        pytest.skip(NO_LOCAL)
    request.node.user_properties.append(("backend", "dynamodb-local"))
    data = tmp_path / "data"
    data.mkdir()
    server = PersistentDynamoDBLocal(data, tmp_path / "dynamodb-local.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.client.close()
