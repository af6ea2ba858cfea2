"""The subscriber examples against `gql serve` on DynamoDB Local (API keys on): every change,
through the API or plain boto3, inserts, updates and deletes, is printed once, in order, with
the right kind; the filter and kinds arguments are applied; errors end them with status 1.

The JavaScript subscriber is the `graphql-ws` npm client, the Python one speaks the protocol
by hand with `websockets`: both against the same server and the same writes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gql.schema import sdl
from tests.conftest import local_client
from tests.examples.conftest import API_KEY, BIN, Server
from tests.examples.subscribers import Running, subscriber_argv
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.skipif(
    "readingChanges" not in sdl(), reason="this build serves no Subscription.readingChanges"
)

FLAVOURS = ("python", "js")
DEVICE = "10001"
SENTINEL = f"{DEVICE} : 0  "  # the priming writes' reading, left out of what is compared
HOT = '{"temperature1": {"gt": 30}}'

PUT = """mutation Put($reading: ReadingInput!) {
  putReading(reading: $reading) { __typename }
}"""
UPDATE = """mutation Update($deviceId: ID!, $datacount: Int!, $info: ReadingInfoPatch!) {
  updateReading(deviceId: $deviceId, datacount: $datacount, info: $info) { __typename }
}"""
DELETE = """mutation Delete($deviceId: ID!, $datacount: Int!, $condition: ReadingCondition!) {
  deleteReadingIf(deviceId: $deviceId, datacount: $datacount, condition: $condition) {
    __typename
  }
}"""


def line(kind: str, datacount: int, timestamp: str, temperature1: str) -> str:
    """What both examples print for a change to a reading that has only temperature1."""
    return f"{kind} {DEVICE} : {datacount}  at {timestamp}  temperatures {temperature1} - - - -"


class Writer:
    """Writes to the server's table, through the API and with plain boto3."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.db: DynamoDBClient = local_client()

    def api(self, document: str, **variables: Any) -> str:
        response = httpx.post(
            self.server.url,
            json={"query": document, "variables": variables},
            headers={"x-api-key": API_KEY},
            timeout=patient(10),
        )
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        typename: str = next(iter(data.values()))["__typename"]
        return typename

    def boto3_put(self, device: str, datacount: int, timestamp: str, t1: str) -> None:
        # As the tutorial's create_item.py does it: the temperature as a string.
        info = {"info_timestamp": {"S": timestamp}, "temperature1": {"S": t1}}
        key = {"device_id": {"S": device}, "datacount": {"N": str(datacount)}}
        self.db.put_item(TableName=self.server.table, Item=key | {"info": {"M": info}})


def prime(writer: Writer, subscribers: list[Running]) -> None:
    """Write reading 0 until each subscriber has printed it: the stream is then being read
    (a subscription sees changes from about one poll interval after it starts)."""
    deadline = time.monotonic() + patient(30)
    waiting = list(subscribers)
    n = 0
    while waiting:
        assert time.monotonic() < deadline, [s.report() for s in waiting]
        n += 1
        writer.boto3_put(DEVICE, 0, "1612519200", f"{90 + n}.5")  # passes the HOT filter
        waiting = [s for s in waiting if not s.wait_for(lambda x: SENTINEL in x, timeout=1)]


def changes(subscriber: Running) -> list[str]:
    """The change lines printed: not the greeting, not the priming writes."""
    return [x for x in subscriber.seen[1:] if SENTINEL not in x]


@pytest.fixture
def table(fresh: Server) -> Server:
    """A fresh table, made by `gql table create --wait` (which turns the stream on)."""
    created = fresh.run([str(BIN / "gql"), "table", "create", "--wait"])
    assert created.code == 0, created
    return fresh


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_change_is_printed_once_in_order_with_its_kind(flavour: str, table: Server) -> None:
    everything = Running(subscriber_argv(flavour, DEVICE), table.env())
    hot = Running(
        subscriber_argv(flavour, DEVICE, "--kinds", "INSERT,MODIFY", "--filter", HOT),
        table.env(),
    )
    try:
        for subscriber in (everything, hot):
            greeted = subscriber.wait_for(lambda x: x.startswith("Listening"), timeout=patient(30))
            assert greeted, subscriber.report() + "\n" + subscriber.stop()[1]
        assert everything.seen[0] == f"Listening for changes to device {DEVICE} (Ctrl-C to stop)"
        writer = Writer(table)
        prime(writer, [everything, hot])

        reading = {"deviceId": DEVICE, "datacount": 1}
        info = {"infoTimestamp": "1612519200", "temperature1": 21.5}
        assert writer.api(PUT, reading=reading | {"info": info}) == "Reading"
        writer.boto3_put(DEVICE, 2, "1612521000", "31.25")  # a string: compared as a number
        writer.db.update_item(
            TableName=table.table,
            Key={"device_id": {"S": DEVICE}, "datacount": {"N": "1"}},
            UpdateExpression="SET info.temperature1 = :t",
            ExpressionAttributeValues={":t": {"N": "35"}},
        )
        patch = {"temperature1": 20}
        assert writer.api(UPDATE, deviceId=DEVICE, datacount=2, info=patch) == "Reading"
        condition = {"infoTimestamp": {"exists": True}}
        assert writer.api(DELETE, deviceId=DEVICE, datacount=1, condition=condition) == "Reading"
        writer.db.delete_item(
            TableName=table.table, Key={"device_id": {"S": DEVICE}, "datacount": {"N": "2"}}
        )
        other = {"deviceId": "10002", "datacount": 1, "info": info}
        assert writer.api(PUT, reading=other) == "Reading"
        writer.boto3_put(DEVICE, 9, "1612530000", "50")  # the last one

        for subscriber in (everything, hot):
            last = subscriber.wait_for(lambda x: f"{DEVICE} : 9 " in x, timeout=patient(30))
            assert last, subscriber.report()
    finally:
        results = [everything.stop(), hot.stop()]

    assert changes(everything) == [
        line("INSERT", 1, "1612519200", "21.5"),
        line("INSERT", 2, "1612521000", "31.25"),
        line("MODIFY", 1, "1612519200", "35"),
        line("MODIFY", 2, "1612521000", "20"),
        line("REMOVE", 1, "1612519200", "35"),  # a REMOVE shows the reading as it was
        line("REMOVE", 2, "1612521000", "20"),
        line("INSERT", 9, "1612530000", "50"),
    ]
    assert changes(hot) == [
        line("INSERT", 2, "1612521000", "31.25"),
        line("MODIFY", 1, "1612519200", "35"),
        line("INSERT", 9, "1612530000", "50"),
    ]
    for _, stderr in results:
        assert stderr == ""


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_without_the_api_key_the_socket_is_refused(flavour: str, table: Server) -> None:
    subscriber = Running(subscriber_argv(flavour, DEVICE), table.env(api_key=None))
    code, stderr = subscriber.finish(timeout=patient(15))
    assert code == 1, subscriber.report() + stderr
    assert subscriber.seen == []
    assert stderr.startswith("error: the server closed the connection: 4403"), stderr


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_with_the_stream_off_the_coded_error_ends_the_subscriber(
    flavour: str, live: Server
) -> None:
    # The table as the tutorial's create_table.py makes it: no stream.
    live.drop_table()
    db = local_client()
    db.create_table(
        TableName=live.table,
        KeySchema=[
            {"AttributeName": "device_id", "KeyType": "HASH"},
            {"AttributeName": "datacount", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "device_id", "AttributeType": "S"},
            {"AttributeName": "datacount", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        subscriber = Running(subscriber_argv(flavour), live.env())
        code, stderr = subscriber.finish(timeout=patient(15))
    finally:
        live.drop_table()
    assert code == 1, subscriber.report() + stderr
    assert stderr.startswith("error: "), stderr
    assert stderr.rstrip().endswith("(STREAM_DISABLED)"), stderr
    assert "gql table stream on" in stderr


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_bad_argument_or_no_server_fails_the_subscriber(
    flavour: str, live: Server, closed_url: str
) -> None:
    for args, message in (
        (["--kinds", "INSERT,UPSERT"], "error: --kinds: UPSERT is not one of"),
        (["--filter", "{not json"], "error: --filter must be JSON"),
        ([], f"error: cannot reach {closed_url.replace('http', 'ws')}"),
    ):
        subscriber = Running(subscriber_argv(flavour, *args), live.env(url=closed_url))
        code, stderr = subscriber.finish(timeout=patient(15))
        assert code == 1, stderr
        assert stderr.startswith(message), stderr
        assert subscriber.seen == []
