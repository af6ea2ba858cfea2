"""CORS: only the configured origins are allowed; nothing is echoed, `*` is never sent."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, Serve, served

ALLOWED = "https://app.example"
FOREIGN = [
    "https://evil.example",
    "https://app.example.evil.example",
    "https://evil-app.example",
    "http://app.example",
    "https://app.example:8443",
    "null",
]
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"
QUERY = {"query": "{ __typename }"}


@pytest.fixture(scope="module")
def cors(module_store: ReadingStore) -> Iterator[Http]:
    with served(settings_for(module_store.table, cors_origins=(ALLOWED,)), module_store) as http:
        yield http


def preflight(http: Http, origin: str) -> httpx.Response:
    return http.client.options(
        "/graphql",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-api-key",
        },
    )


def simple(http: Http, origin: str) -> httpx.Response:
    return http.client.post("/graphql", json=QUERY, headers={"origin": origin, "cookie": "s=1"})


def test_preflight_from_the_allowed_origin_is_allowed(cors: Http, figure: Figure) -> None:
    response = preflight(cors, ALLOWED)
    figure(
        f"preflight from {ALLOWED}: {response.status_code}, allow-origin "
        f"{response.headers.get(ALLOW_ORIGIN)}"
    )
    assert response.status_code == 200
    assert response.headers.get(ALLOW_ORIGIN) == ALLOWED
    assert "x-api-key" in response.headers.get("access-control-allow-headers", "").lower()


def test_request_from_the_allowed_origin_is_allowed(cors: Http, figure: Figure) -> None:
    response = simple(cors, ALLOWED)
    figure(
        f"POST from {ALLOWED}: {response.status_code}, allow-origin "
        f"{response.headers.get(ALLOW_ORIGIN)}"
    )
    assert response.status_code == 200
    assert response.headers.get(ALLOW_ORIGIN) == ALLOWED


@pytest.mark.parametrize("origin", FOREIGN)
def test_preflight_from_a_foreign_origin_gets_no_allow_header(
    cors: Http, origin: str, figure: Figure
) -> None:
    response = preflight(cors, origin)
    figure(
        f"preflight from {origin}: {response.status_code}, allow-origin "
        f"{response.headers.get(ALLOW_ORIGIN)}"
    )
    assert ALLOW_ORIGIN not in response.headers


@pytest.mark.parametrize("origin", FOREIGN)
def test_request_from_a_foreign_origin_gets_no_allow_header(
    cors: Http, origin: str, figure: Figure
) -> None:
    response = simple(cors, origin)
    figure(
        f"POST from {origin}: {response.status_code}, allow-origin "
        f"{response.headers.get(ALLOW_ORIGIN)}"
    )
    assert ALLOW_ORIGIN not in response.headers


def test_never_wildcard_nor_credentials(cors: Http, figure: Figure) -> None:
    answers = [send(cors, origin) for origin in [ALLOWED, *FOREIGN] for send in (preflight, simple)]
    allow = sorted({r.headers.get(ALLOW_ORIGIN, "-") for r in answers})
    credentials = sorted({r.headers.get(ALLOW_CREDENTIALS, "-") for r in answers})
    figure(f"{len(answers)} CORS answers: allow-origin values {allow}, credentials {credentials}")
    assert allow == sorted({ALLOWED, "-"})
    assert credentials == ["-"]


def test_preflight_needs_no_api_key(serve: Serve, moto_store: ReadingStore, figure: Figure) -> None:
    settings = settings_for(
        moto_store.table, cors_origins=(ALLOWED,), api_keys=frozenset({"k" * 20})
    )
    http = serve(settings, moto_store)
    response = preflight(http, ALLOWED)
    figure(
        f"preflight with API keys configured: {response.status_code}, allow-origin "
        f"{response.headers.get(ALLOW_ORIGIN)}"
    )
    assert response.status_code == 200
    assert response.headers.get(ALLOW_ORIGIN) == ALLOWED


def test_without_configured_origins_no_origin_is_allowed(http: Http, figure: Figure) -> None:
    answers = [send(http, origin) for origin in [ALLOWED, *FOREIGN] for send in (preflight, simple)]
    allowed = [r.headers[ALLOW_ORIGIN] for r in answers if ALLOW_ORIGIN in r.headers]
    figure(f"no GQL_CORS_ORIGINS: {len(allowed)} of {len(answers)} answers carry allow-origin")
    assert allowed == []
