"""API keys with scopes, served: each key may do what its scopes say, and gets 403 otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, codes, decoded, served

KEYS = frozenset(
    {
        "reader-0123456789=readings:read",
        "writer-0123456789=readings:write",
        "admin-0123456789",
        "both-0123456789=readings:read+readings:write",
    }
)
QUERY = "{ __typename }"
MUTATION = (
    'mutation { deleteReadingIf(deviceId: "nobody", datacount: 1, condition: {}) { __typename } }'
)


@pytest.fixture(scope="module")
def keyed(module_store: ReadingStore) -> Iterator[Http]:
    with served(settings_for(module_store.table, api_keys=KEYS), module_store) as http:
        yield http


@pytest.mark.parametrize(
    ("key", "query_status", "mutation_status"),
    [
        ("reader-0123456789", 200, 403),
        ("writer-0123456789", 403, 200),
        ("admin-0123456789", 200, 200),
        ("both-0123456789", 200, 200),
    ],
)
def test_each_key_runs_what_its_scopes_allow(
    keyed: Http, key: str, query_status: int, mutation_status: int, figure: Figure
) -> None:
    query = keyed.post(QUERY, headers={"x-api-key": key})
    mutation = keyed.post(MUTATION, headers={"x-api-key": key})
    figure(f"{key}: query {query.status_code}, mutation {mutation.status_code}")
    for response, status, data in (
        (query, query_status, {"__typename": "Query"}),
        (mutation, mutation_status, {"deleteReadingIf": {"__typename": "ReadingNotFound"}}),
    ):
        assert response.status_code == status
        if status == 200:
            assert decoded(response) == {"data": data}
        else:
            assert codes(decoded(response)) == ["FORBIDDEN"]
            assert "data" not in decoded(response)


def test_forbidden_is_403_under_graphql_response_json_too(keyed: Http, figure: Figure) -> None:
    headers = {"x-api-key": "reader-0123456789", "accept": "application/graphql-response+json"}
    response = keyed.post(MUTATION, headers=headers)
    figure(f"graphql-response+json: HTTP {response.status_code} {codes(decoded(response))}")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert codes(decoded(response)) == ["FORBIDDEN"]


def test_the_key_itself_is_not_a_key_with_its_scopes(keyed: Http, figure: Figure) -> None:
    response = keyed.post(QUERY, headers={"x-api-key": "reader-0123456789=readings:read"})
    figure(f"entry as key: HTTP {response.status_code}")
    assert response.status_code == 401
    assert codes(decoded(response)) == ["UNAUTHENTICATED"]
