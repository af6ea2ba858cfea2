"""The tutorial's whole flow (create, read, update, conditional delete, query, scan) in GraphQL.

Each step depends on the one before, as in the tutorial, so the flow is one test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.conftest import (
    SAMPLE,
    Server,
    create_and_load,
    drop_table,
    graphql,
    local_env,
    pages,
    sample_items,
    unique_table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

READING = """fragment R on Reading { deviceId datacount version
  info { infoTimestamp temperature1 temperature2 temperature3 temperature4 temperature5 } }"""

PUT = (
    """mutation($reading: ReadingInput!) {
  putReading(reading: $reading) { __typename ...R } }"""
    + READING
)
GET = '{ reading(deviceId: "10001", datacount: 3, consistentRead: true) { ...R } }' + READING
UPDATE = (
    """mutation($info: ReadingInfoPatch!) {
  updateReading(deviceId: "10001", datacount: 3, info: $info) { __typename ...R } }"""
    + READING
)
DELETE_IF_NOT_AFTER = (
    """mutation($timestamp: String!) {
  deleteReadingIf(deviceId: "10001", datacount: 3,
                  condition: {infoTimestamp: {lte: $timestamp}}) {
    __typename ...R ... on ConditionFailed { message current { ...R } } } }"""
    + READING
)
BY_DEVICE = '{ readingsByDevice(deviceId: "10001") { edges { node { datacount } } } }'
SCAN = """query($after: String) { scanReadings(first: 2, after: $after) {
  edges { node { deviceId datacount } } pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture(scope="module")
def table(dynamodb_local_url: str, dynamodb: DynamoDBClient) -> Iterator[str]:
    name = unique_table("tutorial")
    try:
        create_and_load(dynamodb_local_url, name, SAMPLE)
        yield name
    finally:
        drop_table(dynamodb, name)


@pytest.fixture(scope="module")
def server(
    dynamodb_local_url: str, table: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = local_env(dynamodb_local_url, table)
    with Server(env, tmp_path_factory.mktemp("server")) as server:
        yield server


def reading_10001_3(version: int, *temperatures: float) -> dict[str, Any]:
    info: dict[str, Any] = {"infoTimestamp": "1612522800"}
    info.update({f"temperature{n}": t for n, t in enumerate(temperatures, start=1)})
    return {"deviceId": "10001", "datacount": 3, "version": version, "info": info}


def test_tutorial_flow_through_graphql(
    server: Server, dynamodb: DynamoDBClient, table: str
) -> None:
    created = reading_10001_3(1, 23.74, 32.56, 12.43, 44.74, 12.74)
    updated = reading_10001_3(2, 33.74, 23.74, 25.2, 22.0, 25.0)

    # create_item.py
    put = graphql(
        server, PUT, {"reading": {k: created[k] for k in ("deviceId", "datacount", "info")}}
    )
    assert put["putReading"] == {"__typename": "Reading", **created}
    stored = dynamodb.get_item(
        TableName=table, Key={"device_id": {"S": "10001"}, "datacount": {"N": "3"}}
    )
    assert stored["Item"]["info"]["M"]["info_timestamp"] == {"S": "1612522800"}
    assert stored["Item"]["info"]["M"]["temperature1"] == {"N": "23.74"}
    assert stored["Item"]["version"] == {"N": "1"}

    # read_item.py
    assert graphql(server, GET)["reading"] == created

    # update_item.py
    patch = {"infoTimestamp": "1612522800"} | {
        f"temperature{n}": t for n, t in enumerate([33.74, 23.74, 25.20, 22.00, 25.00], start=1)
    }
    assert graphql(server, UPDATE, {"info": patch})["updateReading"] == {
        "__typename": "Reading",
        **updated,
    }

    # delete_item.py, with a condition that does not hold, then with one that does
    refused = graphql(server, DELETE_IF_NOT_AFTER, {"timestamp": "1612522799"})["deleteReadingIf"]
    assert refused["__typename"] == "ConditionFailed"
    assert refused["current"] == updated
    deleted = graphql(server, DELETE_IF_NOT_AFTER, {"timestamp": "1612522800"})["deleteReadingIf"]
    assert deleted == {"__typename": "Reading", **updated}
    assert graphql(server, GET)["reading"] is None

    # query.py
    edges = graphql(server, BY_DEVICE)["readingsByDevice"]["edges"]
    assert [edge["node"]["datacount"] for edge in edges] == [1, 2]

    # scan.py, following the cursor the way the tutorial's loop means to follow LastEvaluatedKey
    found = [key for page in pages(server, SCAN, "scanReadings", {}) for key in page]
    expected = [(item["device_id"], int(item["datacount"])) for item in sample_items()]
    assert sorted(found) == sorted(expected)
    assert len(found) == len(set(found))
