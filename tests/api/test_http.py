"""HTTP around GraphQL: health checks, GET queries, body limits and API keys."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from gql.models import ReadingKey
from tests.api.conftest import Api, also_serving, reading

TEN_MB = 10 * 1024 * 1024
READING = "query ($d: ID!) { reading(deviceId: $d, datacount: 1) { datacount } }"


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


# -- health ------------------------------------------------------------------------------------


def test_healthz_answers_200(api: Api) -> None:
    response = api.http.get("/healthz")

    assert response.status_code == 200


def test_readyz_answers_200_when_the_table_answers(api: Api) -> None:
    response = api.http.get("/readyz")

    assert response.status_code == 200


def test_readyz_answers_503_when_the_table_is_missing(fresh_api: Api) -> None:
    fresh_api.drop_table()

    response = fresh_api.http.get("/readyz")

    assert response.status_code == 503
    assert "ResourceNotFoundException" not in response.text


def test_healthz_answers_200_when_the_table_is_missing(fresh_api: Api) -> None:
    fresh_api.drop_table()

    assert fresh_api.http.get("/healthz").status_code == 200


# -- GET ---------------------------------------------------------------------------------------


def test_a_query_sent_with_get_is_answered(api: Api, device: str) -> None:
    api.store.batch_put([reading(device, 1)])

    response = api.http.get(
        "/graphql",
        params={"query": READING, "variables": json.dumps({"d": device})},
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"reading": {"datacount": 1}}}


def test_a_mutation_sent_with_get_is_refused_and_writes_nothing(api: Api, device: str) -> None:
    mutation = """mutation ($d: ID!) { putReading(reading: {deviceId: $d, datacount: 1,
                    info: {infoTimestamp: "1"}}) { __typename } }"""

    response = api.http.get(
        "/graphql", params={"query": mutation, "variables": json.dumps({"d": device})}
    )

    assert 400 <= response.status_code < 500
    assert codes(response) == ["BAD_USER_INPUT"]
    assert api.store.get(ReadingKey(device, 1), consistent=True) is None


# -- body size ---------------------------------------------------------------------------------


def test_a_10_mb_post_is_refused_with_413(api: Api) -> None:
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * TEN_MB}})

    response = api.http.post("/graphql", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert codes(response) == ["BAD_USER_INPUT"]


def test_a_10_mb_post_without_a_content_length_is_refused_with_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(TEN_MB // 65536):
            yield b"x" * 65536
        yield b'"}}'

    response = api.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413


def test_a_large_body_within_the_limit_is_served(api: Api) -> None:
    # A comment is not a token, so only the body limit (64 KiB by default) applies.
    document = "{ __typename }\n#" + "x" * 50_000

    response = api.http.post("/graphql", json={"query": document})

    assert response.json() == {"data": {"__typename": "Query"}}


# -- API keys ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(api: Api) -> Iterator[Api]:
    with also_serving(api, api_keys=frozenset({"k1"})) as served:
        yield served


def post(api: Api, **headers: str) -> httpx.Response:
    return api.http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)


def test_without_an_api_key_graphql_is_401_unauthenticated(keyed: Api) -> None:
    response = post(keyed)

    assert response.status_code == 401
    assert codes(response) == ["UNAUTHENTICATED"]


def test_with_a_wrong_api_key_graphql_is_401_unauthenticated(keyed: Api) -> None:
    response = post(keyed, **{"x-api-key": "k2"})

    assert response.status_code == 401
    assert codes(response) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("key", ["", "K1", "k", "k1k1", "xk1"])
def test_a_key_that_is_almost_right_is_refused(keyed: Api, key: str) -> None:
    assert post(keyed, **{"x-api-key": key}).status_code == 401


def test_with_the_right_api_key_graphql_answers(keyed: Api) -> None:
    response = post(keyed, **{"x-api-key": "k1"})

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_get_query_without_an_api_key_is_401(keyed: Api) -> None:
    response = keyed.http.get("/graphql", params={"query": "{ __typename }"})

    assert response.status_code == 401


def test_healthz_needs_no_api_key(keyed: Api) -> None:
    assert keyed.http.get("/healthz").status_code == 200


def test_without_api_keys_configured_graphql_needs_no_key(api: Api) -> None:
    assert post(api).status_code == 200
