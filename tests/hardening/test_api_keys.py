"""API keys: /graphql needs a valid x-api-key when keys are configured; health stays open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, codes, decoded, served

KEYS = frozenset({"key-one-0123456789", "key-two-9876543210"})
QUERY = "{ __typename }"


@pytest.fixture(scope="module")
def keyed(module_store: ReadingStore) -> Iterator[Http]:
    with served(settings_for(module_store.table, api_keys=KEYS), module_store) as http:
        yield http


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"x-api-key": ""}, id="empty"),
        pytest.param({"x-api-key": "key-one-012345678"}, id="prefix-of-a-key"),
        pytest.param({"x-api-key": "key-one-0123456789x"}, id="key-plus-one"),
        pytest.param({"x-api-key": "KEY-ONE-0123456789"}, id="wrong-case"),
        pytest.param({"x-api-key": "key-one-0123456789,key-two-9876543210"}, id="both-joined"),
        pytest.param({"authorization": "Bearer key-one-0123456789"}, id="in-authorization"),
    ],
)
def test_post_without_a_valid_key_gets_401_unauthenticated(
    keyed: Http, headers: dict[str, str], figure: Figure
) -> None:
    response = keyed.post(QUERY, headers=headers)
    figure(f"key {headers or 'missing'} -> HTTP {response.status_code} {codes(decoded(response))}")
    assert response.status_code == 401
    assert codes(decoded(response)) == ["UNAUTHENTICATED"]
    assert "data" not in decoded(response)


def test_get_without_a_key_gets_401_unauthenticated(keyed: Http, figure: Figure) -> None:
    response = keyed.client.get("/graphql", params={"query": QUERY})
    figure(f"GET without key -> HTTP {response.status_code} {codes(decoded(response))}")
    assert response.status_code == 401
    assert codes(decoded(response)) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("key", sorted(KEYS))
def test_each_configured_key_is_accepted(keyed: Http, key: str, figure: Figure) -> None:
    response = keyed.post(QUERY, headers={"x-api-key": key})
    figure(f"valid key -> HTTP {response.status_code} {response.json()}")
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_need_no_key(keyed: Http, path: str, figure: Figure) -> None:
    response = keyed.client.get(path)
    figure(f"{path} without key -> HTTP {response.status_code}")
    assert response.status_code == 200
