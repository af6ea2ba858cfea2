"""A write whose first attempt was applied by DynamoDB Local but whose answer was lost.

A LostAnswerProxy on loopback forwards the first UpdateItem, reads DynamoDB Local's answer,
and closes the app's connection instead of returning it; botocore then retries the request on
a new connection. The caller must see one success, and exactly one item must exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from gql.config import Settings
from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.conftest import LOCAL_URL
from tests.hardening.conftest import Figure, Http, Serve
from tests.hardening.fakes import LostAnswerProxy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

StoreAt = Callable[[Settings], ReadingStore]
PUT = """mutation {
  putReading(ifNotExists: true, reading: {deviceId: "lost", datacount: 1,
             info: {infoTimestamp: "1612519200", temperature1: 37.2}}) {
    __typename
    ... on Reading { version info { temperature1 } }
    ... on ConditionFailed { message current { version } }
  }
}"""
UPDATE = """mutation {
  updateReading(deviceId: "lost", datacount: 1, expectedVersion: 1, info: {temperature1: 5.5}) {
    __typename
    ... on Reading { version info { temperature1 } }
    ... on ConditionFailed { message current { version } }
  }
}"""


@pytest.fixture
def lossy(local_table: str) -> Iterator[LostAnswerProxy]:
    assert LOCAL_URL is not None
    with LostAnswerProxy(LOCAL_URL, operation="UpdateItem", drop=1) as proxy:
        yield proxy


@pytest.fixture
def app(serve: Serve, store_at: StoreAt, lossy: LostAnswerProxy, local_table: str) -> Http:
    settings = settings_for(local_table, backend="aws", endpoint_url=lossy.url)
    return serve(settings, store_at(settings))


def items(client: DynamoDBClient, table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.scan(TableName=table, ConsistentRead=True)["Items"]
    return found


def test_put_if_not_exists_with_a_lost_answer_succeeds_once(
    app: Http,
    lossy: LostAnswerProxy,
    local_ddb: DynamoDBClient,
    local_table: str,
    figure: Figure,
) -> None:
    result = app.data(PUT)["putReading"]
    stored = items(local_ddb, local_table)
    figure(
        f"putReading(ifNotExists) with its first answer lost (upstream said "
        f"{lossy.dropped}): {lossy.forwarded.count('UpdateItem')} UpdateItem attempts, "
        f"result {result['__typename']} v{result.get('version')}, {len(stored)} item(s) "
        f"at version {[i.get('version', {}).get('N') for i in stored]}"
    )
    assert lossy.dropped == [200], "the proxy must have withheld an applied write"
    assert result == {"__typename": "Reading", "version": 1, "info": {"temperature1": 37.2}}
    assert len(stored) == 1
    assert stored[0]["version"] == {"N": "1"}


def test_update_with_expected_version_and_a_lost_answer_succeeds_once(
    serve: Serve,
    store_at: StoreAt,
    local_store: ReadingStore,
    local_ddb: DynamoDBClient,
    local_table: str,
    figure: Figure,
) -> None:
    assert LOCAL_URL is not None
    direct = serve(settings_for(local_table), local_store)
    assert direct.data(PUT)["putReading"]["version"] == 1
    with LostAnswerProxy(LOCAL_URL, operation="UpdateItem", drop=1) as proxy:
        settings = settings_for(local_table, backend="aws", endpoint_url=proxy.url)
        result = serve(settings, store_at(settings)).data(UPDATE)["updateReading"]
    stored = items(local_ddb, local_table)
    figure(
        f"updateReading(expectedVersion: 1) with its first answer lost: "
        f"{proxy.forwarded.count('UpdateItem')} UpdateItem attempts, result "
        f"{result['__typename']} v{result.get('version')}, stored version "
        f"{[i['version']['N'] for i in stored]}"
    )
    assert proxy.dropped == [200]
    assert result == {"__typename": "Reading", "version": 2, "info": {"temperature1": 5.5}}
    assert [i["version"] for i in stored] == [{"N": "2"}]
