"""Production mode (introspection, GraphiQL and suggestions off) and error masking in every mode.

Unexpected failures are injected with a ReadingStore subclass handed to create_app (dependency
injection), whose reads raise an error that carries a host name and an address.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gql.errors import BackendUnavailableError, InputError, ThrottledError
from gql.models import Page, Reading, ReadingKey
from gql.schema.extensions import INTERNAL_MESSAGE
from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, Serve, codes, served

SECRET_HOST = "ddb-prod-7.internal.example.com"
SECRET_DETAIL = f"could not connect to {SECRET_HOST}:8000 (10.9.8.7): DynamoDB said no"
INTROSPECTION = "{ __schema { queryType { name } types { name } } }"
TYPO = '{ readng(deviceId: "d", datacount: 1) { datacount } }'
MODES = [pytest.param(False, id="development"), pytest.param(True, id="production")]


class FailingStore(ReadingStore):
    """Every read raises `error`, as a broken dependency would."""

    def __init__(self, store: ReadingStore, error: Exception) -> None:
        super().__init__(store.db.client, store.table)
        self.error = error

    def get(self, *args: Any, **kwargs: Any) -> Reading | None:
        raise self.error

    def batch_get(self, *args: Any, **kwargs: Any) -> dict[ReadingKey, Reading]:
        raise self.error

    def query(self, *args: Any, **kwargs: Any) -> Page:
        raise self.error

    def scan(self, *args: Any, **kwargs: Any) -> Page:
        raise self.error


@pytest.fixture(scope="module")
def prod(module_store: ReadingStore) -> Iterator[Http]:
    with served(settings_for(module_store.table, production=True), module_store) as http:
        yield http


@pytest.fixture(scope="module")
def dev(module_store: ReadingStore) -> Iterator[Http]:
    with served(settings_for(module_store.table), module_store) as http:
        yield http


# -- production mode -------------------------------------------------------------------------


def test_production_refuses_introspection(prod: Http, figure: Figure) -> None:
    body = prod.body(INTROSPECTION)
    figure(f"production: introspection refused with {codes(body)}, data: {body.get('data')}")
    assert body.get("data") is None
    assert codes(body)
    assert set(codes(body)) == {"BAD_USER_INPUT"}


def test_development_allows_introspection(dev: Http, figure: Figure) -> None:
    body = dev.body(INTROSPECTION)
    figure(f"development: introspection lists {len(body['data']['__schema']['types'])} types")
    assert body["data"]["__schema"]["queryType"] == {"name": "Query"}


def test_production_serves_no_graphiql_to_a_browser(prod: Http, figure: Figure) -> None:
    response = prod.client.get("/graphql", headers={"accept": "text/html"})
    figure(
        f"production: GET /graphql (Accept: text/html) -> {response.status_code} "
        f"{response.headers.get('content-type')}"
    )
    assert response.status_code == 404
    assert "text/html" not in response.headers.get("content-type", "")
    assert "graphiql" not in response.text.lower()


def test_development_serves_graphiql_to_a_browser(dev: Http, figure: Figure) -> None:
    response = dev.client.get("/graphql", headers={"accept": "text/html"})
    figure(
        f"development: GET /graphql (Accept: text/html) -> {response.status_code} "
        f"{response.headers.get('content-type')}"
    )
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_production_gives_no_field_suggestions(prod: Http, figure: Figure) -> None:
    body = prod.body(TYPO)
    message = body["errors"][0]["message"]
    figure(f"production: {message!r} ({codes(body)})")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "Did you mean" not in json.dumps(body)


def test_development_gives_field_suggestions(dev: Http, figure: Figure) -> None:
    body = dev.body(TYPO)
    message = body["errors"][0]["message"]
    figure(f"development: {message!r}")
    assert "Did you mean 'reading'?" in message


# -- masking, in every mode --------------------------------------------------------------------


@pytest.mark.parametrize("production_mode", MODES)
def test_unexpected_errors_are_masked(
    serve: Serve, moto_store: ReadingStore, production_mode: bool, figure: Figure
) -> None:
    failing = FailingStore(moto_store, RuntimeError(SECRET_DETAIL))
    http = serve(settings_for(moto_store.table, production=production_mode), failing)
    response = http.post("{ scanReadings { edges { node { deviceId } } } }")
    body = response.json()
    figure(
        f"{'production' if production_mode else 'development'}: RuntimeError -> "
        f"{codes(body)} {body['errors'][0]['message']!r}, HTTP {response.status_code}"
    )
    assert codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert body["errors"][0]["message"] == INTERNAL_MESSAGE
    for leak in (SECRET_HOST, "10.9.8.7", "DynamoDB said", "Traceback", "RuntimeError"):
        assert leak not in response.text


OUR_ERRORS = {
    "BAD_USER_INPUT": InputError("deviceId: not acceptable"),
    "THROTTLED": ThrottledError("the database is throttling requests; retry later"),
    "BACKEND_UNAVAILABLE": BackendUnavailableError("the database did not answer in time"),
}


@pytest.mark.parametrize("production_mode", MODES)
@pytest.mark.parametrize("code", OUR_ERRORS)
def test_our_error_codes_stay_visible(
    serve: Serve, moto_store: ReadingStore, production_mode: bool, code: str, figure: Figure
) -> None:
    error = OUR_ERRORS[code]
    http = serve(
        settings_for(moto_store.table, production=production_mode),
        FailingStore(moto_store, error),
    )
    body = http.body("{ scanReadings { edges { node { deviceId } } } }")
    figure(
        f"{'production' if production_mode else 'development'}: {type(error).__name__} "
        f"-> {codes(body)} {body['errors'][0]['message']!r}"
    )
    assert codes(body) == [code]
    assert body["errors"][0]["message"] == str(error)


@pytest.mark.parametrize("production_mode", MODES)
@pytest.mark.parametrize(
    ("document", "code"),
    [
        pytest.param(
            "{ scanReadings(first: 0) { edges { cursor } } }", "BAD_USER_INPUT", id="first-0"
        ),
        pytest.param(
            '{ scanReadings(after: "forged") { edges { cursor } } }',
            "BAD_CURSOR",
            id="forged-cursor",
        ),
        pytest.param("{ scanReadings(", "BAD_USER_INPUT", id="syntax-error"),
    ],
)
def test_client_errors_keep_their_codes(
    serve: Serve,
    moto_store: ReadingStore,
    production_mode: bool,
    document: str,
    code: str,
    figure: Figure,
) -> None:
    http = serve(settings_for(moto_store.table, production=production_mode), moto_store)
    body = http.body(document)
    figure(f"{'production' if production_mode else 'development'}: {document!r} -> {codes(body)}")
    assert codes(body) == [code]
