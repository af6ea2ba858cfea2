"""A subscription open while DynamoDB Local is down for 10 s and then back with its data.

The server reads the table's stream from a DynamoDB Local of this test's own (on disk, so it
can be stopped and started again). The contract: the subscription neither hangs nor ends in
a 500; once the database is back, a change written then arrives, or the subscription ends
with a coded error (STREAM_GAP), and requests made during the outage are answered at once
with BACKEND_UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

import httpx

from gql.config import Settings
from gql.store.client import DynamoDB
from gql.store.tables import Tables
from gql.web.app import create_app
from tests.api.conftest import serve_in_thread
from tests.live.wsclient import TRANSPORT_WS, session
from tests.persistent_local import PersistentDynamoDBLocal
from tests.timing import patient

OUTAGE_SECONDS = 10.0
CHANGES = """subscription ($d: ID) {
  readingChanges(deviceId: $d) { kind datacount reading { info { temperature1 } } }
}"""
READ = '{ reading(deviceId: "outage", datacount: 1) { datacount } }'


def put(local: PersistentDynamoDBLocal, table: str, datacount: int) -> None:
    local.client.put_item(
        TableName=table,
        Item={
            "device_id": {"S": "outage"},
            "datacount": {"N": str(datacount)},
            "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": "21.5"}}},
        },
    )


def put_when_back(local: PersistentDynamoDBLocal, table: str, datacount: int) -> None:
    deadline = time.monotonic() + patient(30)
    while True:
        try:
            put(local, table, datacount)
            return
        except Exception:  # just started: it may refuse for a moment
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def test_a_subscription_survives_a_10_s_outage_or_ends_with_a_code(
    dynamodb_local: PersistentDynamoDBLocal, record_property: Callable[[str, object], None]
) -> None:
    table = f"LiveOutage-{uuid.uuid4().hex[:8]}"
    Tables(DynamoDB(dynamodb_local.client, table), sleep=lambda _: None).create(wait=True)
    settings = replace(
        Settings(table=table, backend="aws", endpoint_url=dynamodb_local.url),
        cursor_secrets=(b"outage-test-secret-long-enough",),
        connect_timeout=0.5,
        read_timeout=2.0,
        max_attempts=2,
        stream_poll_seconds=0.2,
        stream_max_outage_seconds=60.0,
    )
    with serve_in_thread(create_app(settings)) as url:
        async with session(url, TRANSPORT_WS) as socket, httpx.AsyncClient(base_url=url) as http:
            await socket.subscribe("1", CHANGES, {"d": "outage"})
            # A few poll intervals: the subscription is reading.
            await asyncio.sleep(patient(1.0))
            await asyncio.to_thread(put, dynamodb_local, table, 1)
            first = await socket.change("1", timeout=patient(15))
            assert (first["kind"], first["datacount"]) == ("INSERT", 1)
            # A legacy string temperature arrives as a number.
            assert first["reading"]["info"]["temperature1"] == 21.5

            await asyncio.to_thread(dynamodb_local.stop)
            asked = time.monotonic()
            during = (await http.post("/graphql", json={"query": READ})).json()
            answered_in = time.monotonic() - asked
            await asyncio.sleep(OUTAGE_SECONDS - answered_in)
            restart = await asyncio.to_thread(dynamodb_local.start)
            await asyncio.to_thread(put_when_back, dynamodb_local, table, 2)

            message = await socket.receive(timeout=patient(60))

    codes = [e["extensions"]["code"] for e in during["errors"]]
    assert codes == ["BACKEND_UNAVAILABLE"], during
    assert answered_in < 5.0
    assert message.get("id") == "1", message
    payload = message["payload"]
    if payload.get("data"):
        change = payload["data"]["readingChanges"]
        assert (change["kind"], change["datacount"]) == ("INSERT", 2)
        ending = "the change written after the restart arrived"
    else:
        assert [e["extensions"]["code"] for e in payload["errors"]] == ["STREAM_GAP"], payload
        ending = "the subscription ended with STREAM_GAP"
    figure = (
        f"query during the outage: BACKEND_UNAVAILABLE in {answered_in:.2f} s; "
        f"restart {restart:.1f} s; then {ending}"
    )
    print(f"figure: {figure}")
    record_property("figure", figure)
