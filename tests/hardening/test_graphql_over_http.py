"""GraphQL over HTTP: media types, status codes for request errors, 415, and GET."""

from __future__ import annotations

import httpx
import pytest

from tests.hardening.conftest import GRAPHQL_RESPONSE, Figure, Http, codes, decoded

NEW_STYLE = {"accept": GRAPHQL_RESPONSE}
LEGACY = {"accept": "application/json"}
PARSE_ERROR = "{ scanReadings("
VALIDATION_ERROR = "{ noSuchField }"
# `reading` is nullable: an invalid argument leaves data {"reading": null} next to the error.
FIELD_ERROR = '{ reading(deviceId: "", datacount: 1) { datacount } }'
MUTATION = (
    'mutation { putReading(reading: {deviceId: "get", datacount: 1, '
    'info: {infoTimestamp: "1612519200"}}) { __typename } }'
)


def content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";")[0].strip()


def test_graphql_response_json_is_answered_when_accepted(http: Http, figure: Figure) -> None:
    response = http.post("{ __typename }", headers=NEW_STYLE)
    figure(f"Accept {GRAPHQL_RESPONSE} -> {response.status_code} {content_type(response)}")
    assert response.status_code == 200
    assert content_type(response) == GRAPHQL_RESPONSE


def test_application_json_is_answered_by_default(http: Http, figure: Figure) -> None:
    response = http.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": "*/*"}
    )
    figure(f"Accept */* -> {response.status_code} {content_type(response)}")
    assert content_type(response) == "application/json"


@pytest.mark.parametrize(
    "document",
    [pytest.param(PARSE_ERROR, id="parse"), pytest.param(VALIDATION_ERROR, id="validation")],
)
def test_request_error_is_400_with_graphql_response_json(
    http: Http, document: str, figure: Figure
) -> None:
    response = http.post(document, headers=NEW_STYLE)
    body = decoded(response)
    figure(
        f"{document!r} with Accept {GRAPHQL_RESPONSE} -> {response.status_code} "
        f"{content_type(response)} {codes(body)}"
    )
    assert response.status_code == 400
    assert content_type(response) == GRAPHQL_RESPONSE
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "data" not in body


@pytest.mark.parametrize(
    "document",
    [pytest.param(PARSE_ERROR, id="parse"), pytest.param(VALIDATION_ERROR, id="validation")],
)
def test_request_error_is_200_with_application_json(
    http: Http, document: str, figure: Figure
) -> None:
    response = http.post(document, headers=LEGACY)
    figure(
        f"{document!r} with Accept application/json -> {response.status_code} "
        f"{content_type(response)}"
    )
    assert response.status_code == 200
    assert content_type(response) == "application/json"
    assert codes(decoded(response)) == ["BAD_USER_INPUT"]


def test_field_error_with_data_is_200(http: Http, figure: Figure) -> None:
    response = http.post(FIELD_ERROR, headers=NEW_STYLE)
    body = decoded(response)
    figure(
        f"field error with data -> {response.status_code}, data {body.get('data')}, {codes(body)}"
    )
    assert response.status_code == 200
    assert body["data"] == {"reading": None}
    assert codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("media_type", "content"),
    [
        pytest.param("text/xml", b"<query>{ __typename }</query>", id="text-xml"),
        pytest.param("text/plain", b'{"query": "{ __typename }"}', id="text-plain"),
        pytest.param(
            "application/x-www-form-urlencoded", b"query=%7B__typename%7D", id="form-urlencoded"
        ),
        pytest.param(
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="query"\r\n\r\n'
            b"{ __typename }\r\n--b--\r\n",
            id="multipart-form",
        ),
    ],
)
def test_unsupported_content_type_gets_415(
    http: Http, media_type: str, content: bytes, figure: Figure
) -> None:
    response = http.client.post("/graphql", content=content, headers={"content-type": media_type})
    figure(f"POST {media_type.split(';')[0]} -> {response.status_code}")
    assert response.status_code == 415
    assert "data" not in decoded(response)


def test_mutation_over_get_gets_405_allow_post(http: Http, figure: Figure) -> None:
    response = http.client.get("/graphql", params={"query": MUTATION}, headers=LEGACY)
    figure(f"mutation over GET -> {response.status_code}, Allow: {response.headers.get('allow')}")
    assert response.status_code == 405
    assert response.headers.get("allow") == "POST"
    read = http.body('{ reading(deviceId: "get", datacount: 1) { datacount } }')
    assert read == {"data": {"reading": None}}, "the GET mutation must not have written"


def test_query_over_get_is_served(http: Http, figure: Figure) -> None:
    http.data(
        'mutation { putReading(reading: {deviceId: "g", datacount: 7, '
        'info: {infoTimestamp: "1612519200"}}) { __typename } }'
    )
    response = http.client.get(
        "/graphql",
        params={"query": '{ reading(deviceId: "g", datacount: 7) { datacount } }'},
        headers=NEW_STYLE,
    )
    figure(f"query over GET -> {response.status_code} {response.json()}")
    assert response.status_code == 200
    assert response.json() == {"data": {"reading": {"datacount": 7}}}
