"""readingChanges on DynamoDB Local, fed by the table's real stream (gql/store/stream.py).

The app is built as `gql serve` builds it for the aws backend (create_app without a store):
writes through the API, through plain boto3, and deletes each arrive once, in order, with the
right kind and images; legacy string temperatures arrive as numbers; with the stream off a
subscription fails with STREAM_DISABLED naming the command that turns it on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gql.config import Settings
from gql.store.client import DynamoDB
from gql.store.tables import KEY_SCHEMA, Tables
from gql.web.app import create_app
from tests.api.conftest import SECRET, serve_in_thread
from tests.conftest import LOCAL_URL, local_client
from tests.live.wsclient import PROTOCOLS, TRANSPORT_WS, GraphQLSocket, session
from tests.timing import patient

CHANGES = """subscription ($d: ID, $filter: ReadingCondition, $kinds: [ChangeKind!]) {
  readingChanges(deviceId: $d, filter: $filter, kinds: $kinds) {
    kind deviceId datacount
    reading { version info { infoTimestamp temperature1 temperature2 } }
    previous { version info { temperature1 } }
  }
}"""
PUT = """mutation ($d: ID!, $n: Int!, $t: Float) {
  putReading(reading: {deviceId: $d, datacount: $n, info: {infoTimestamp: "7", temperature1: $t}}) {
    __typename
  }
}"""
UPDATE = """mutation ($d: ID!, $n: Int!, $t: Float) {
  updateReading(deviceId: $d, datacount: $n, info: {temperature1: $t}) { __typename }
}"""
DELETE = """mutation ($d: ID!, $n: Int!) {
  deleteReadingIf(deviceId: $d, datacount: $n, condition: {infoTimestamp: {exists: true}}) {
    __typename
  }
}"""


def settings(table: str) -> Settings:
    return Settings(
        table=table,
        backend="aws",
        endpoint_url=LOCAL_URL,
        cursor_secrets=(SECRET,),
        stream_poll_seconds=0.1,
    )


@contextlib.contextmanager
def aws_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(("AWS_", "GQL_")):
                env.delenv(name)
        env.setenv("AWS_ACCESS_KEY_ID", "local")
        env.setenv("AWS_SECRET_ACCESS_KEY", "local")
        yield


@pytest.fixture(scope="module", params=["dynamodb-local"])
def backend(request: pytest.FixtureRequest) -> str:
    """Only DynamoDB Local: in-process moto serves no streams. The parameter makes these tests
    count in the DynamoDB Local summary (tests/api/conftest.py); local_client() skips them
    when DynamoDB Local is not running."""
    return str(request.param)


@pytest.fixture(scope="module")
def table(backend: str) -> Iterator[str]:
    name = f"Devices-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(local_client(), name), sleep=lambda _: None)
    tables.create(wait=True)  # with its stream on
    yield name
    tables.delete()


@pytest.fixture(scope="module")
def url(table: str) -> Iterator[str]:
    with aws_env(), serve_in_thread(create_app(settings(table))) as served:
        yield served


@pytest.fixture
def device() -> str:
    return f"dev-{uuid.uuid4().hex[:10]}"


async def write(url: str, document: str, **variables: Any) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        body = (
            await http.post("/graphql", json={"query": document, "variables": variables})
        ).json()
    assert "errors" not in body, body
    assert next(iter(body["data"].values()))["__typename"] == "Reading", body


# Datacounts of the readings `subscribed` writes to know the stream's reader is there.
MARKER = 10**9


async def subscribed(socket: GraphQLSocket, table: str, **variables: Any) -> None:
    """Subscribe, and return once the stream's reader delivers to this subscription.

    The reader opens the stream at its end, so a write made before it is open never arrives:
    waiting a fixed time for it raced the reader on a busy machine. Markers (readings of the
    same device, INSERTs with a temperature every filter here lets through) are written until
    one arrives; those written after it come too, and are taken here, in order."""
    await socket.subscribe("1", CHANGES, variables)
    dynamodb = local_client()
    written = 0
    while True:
        written += 1
        item = {
            "device_id": {"S": variables["d"]},
            "datacount": {"N": str(MARKER + written)},
            "info": {"M": {"info_timestamp": {"S": "1"}, "temperature1": {"N": "99"}}},
        }
        await asyncio.to_thread(dynamodb.put_item, TableName=table, Item=item)
        try:
            first = await socket.change("1", timeout=patient(0.5))
            break
        except TimeoutError:
            assert written < 40, "no marker reached the subscription"
    assert first["datacount"] > MARKER, first
    for _ in range(written - (first["datacount"] - MARKER)):
        later = await socket.change("1")
        assert later["datacount"] > MARKER, later


async def nothing_more(socket: GraphQLSocket) -> None:
    try:
        message = await socket.receive(timeout=0.6)
    except TimeoutError:
        return
    pytest.fail(f"an extra message: {message}")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_writes_through_the_api_arrive_once_in_order(
    url: str, table: str, device: str, protocol: str
) -> None:
    async with session(url, protocol) as socket:
        await subscribed(socket, table, d=device)
        await write(url, PUT, d=device, n=1, t=20.5)
        await write(url, UPDATE, d=device, n=1, t=21.5)
        await write(url, PUT, d=device, n=2, t=1)
        await write(url, DELETE, d=device, n=1)
        received = [await socket.change("1") for _ in range(4)]
        await nothing_more(socket)
    assert [(c["kind"], c["datacount"]) for c in received] == [
        ("INSERT", 1),
        ("MODIFY", 1),
        ("INSERT", 2),
        ("REMOVE", 1),
    ]
    insert, modify, _, remove = received
    assert insert["reading"] == {
        "version": 1,
        "info": {"infoTimestamp": "7", "temperature1": 20.5, "temperature2": None},
    }
    assert insert["previous"] is None
    assert modify["reading"]["version"] == 2
    assert modify["reading"]["info"]["temperature1"] == 21.5
    assert modify["previous"] == {"version": 1, "info": {"temperature1": 20.5}}
    assert remove["reading"] is None
    assert remove["previous"] == {"version": 2, "info": {"temperature1": 21.5}}


async def test_writes_made_with_plain_boto3_arrive_with_legacy_temperatures_as_numbers(
    url: str, table: str, device: str
) -> None:
    dynamodb = local_client()
    key = {"device_id": {"S": device}, "datacount": {"N": "1"}}
    async with session(url, TRANSPORT_WS) as socket:
        await subscribed(socket, table, d=device)
        # What the tutorial's create_item.py writes: temperatures as strings.
        info = {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": "23.74"}}
        await asyncio.to_thread(
            dynamodb.put_item, TableName=table, Item={**key, "info": {"M": info}}
        )
        await asyncio.to_thread(
            dynamodb.update_item,
            TableName=table,
            Key=key,
            UpdateExpression="SET info.temperature2 = :t",
            ExpressionAttributeValues={":t": {"N": "-3.5"}},
        )
        await asyncio.to_thread(dynamodb.delete_item, TableName=table, Key=key)
        insert, modify, remove = [await socket.change("1") for _ in range(3)]
        await nothing_more(socket)
    assert insert == {
        "kind": "INSERT",
        "deviceId": device,
        "datacount": 1,
        "reading": {
            "version": None,
            "info": {"infoTimestamp": "1612519200", "temperature1": 23.74, "temperature2": None},
        },
        "previous": None,
    }
    assert modify["kind"] == "MODIFY"
    assert modify["reading"]["info"] == {
        "infoTimestamp": "1612519200",
        "temperature1": 23.74,
        "temperature2": -3.5,
    }
    assert modify["previous"] == {"version": None, "info": {"temperature1": 23.74}}
    assert (remove["kind"], remove["reading"]) == ("REMOVE", None)


async def test_a_filter_compares_legacy_string_temperatures_as_numbers(
    url: str, table: str, device: str
) -> None:
    dynamodb = local_client()

    def put(datacount: int, temperature: str) -> None:
        dynamodb.put_item(
            TableName=table,
            Item={
                "device_id": {"S": device},
                "datacount": {"N": str(datacount)},
                "info": {"M": {"info_timestamp": {"S": "1"}, "temperature1": {"S": temperature}}},
            },
        )

    async with session(url, TRANSPORT_WS) as socket:
        await subscribed(
            socket, table, d=device, filter={"temperature1": {"gt": 25}}, kinds=["INSERT"]
        )
        for datacount, temperature in ((1, "9.5"), (2, "30.25"), (3, "25"), (4, "100")):
            await asyncio.to_thread(put, datacount, temperature)
        received = [await socket.change("1") for _ in range(2)]
        await nothing_more(socket)
    assert [(c["datacount"], c["reading"]["info"]["temperature1"]) for c in received] == [
        (2, 30.25),
        (4, 100.0),
    ]


async def test_with_the_stream_off_a_subscription_fails_with_stream_disabled(
    backend: str,
) -> None:
    dynamodb = local_client()
    name = f"Devices-{uuid.uuid4().hex[:8]}"
    # A table as the tutorial's script creates it: no stream.
    dynamodb.create_table(
        TableName=name,
        KeySchema=KEY_SCHEMA,  # type: ignore[arg-type]
        AttributeDefinitions=[
            {"AttributeName": "device_id", "AttributeType": "S"},
            {"AttributeName": "datacount", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        with aws_env(), serve_in_thread(create_app(settings(name))) as served:
            async with session(served, TRANSPORT_WS) as socket:
                await socket.subscribe("1", CHANGES)
                payload = await socket.event("1")
    finally:
        dynamodb.delete_table(TableName=name)
    [error] = payload["errors"]
    assert error["extensions"]["code"] == "STREAM_DISABLED"
    assert "gql table stream on" in error["message"]
