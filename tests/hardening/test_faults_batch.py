"""putReadings when the database fails: coded errors over HTTP, from a fake DynamoDB on loopback.

DynamoDB Local runs transactions one at a time and never throttles, so neither a conflicting
transaction nor throttling can be produced on it; the fake answers as DynamoDB does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gql.config import Settings
from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Serve, codes, decoded
from tests.hardening.fakes import FakeDynamoDB

PUT_READINGS = """mutation ($readings: [ReadingInput!]!, $atomic: Boolean!) {
  putReadings(readings: $readings, atomic: $atomic, ifNotExists: true) {
    written results { __typename }
  }
}"""
READINGS = [
    {"deviceId": "d", "datacount": n, "info": {"infoTimestamp": "1", "temperature1": 20.5}}
    for n in range(3)
]
CONFLICT = {
    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
    "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
    "CancellationReasons": [
        {"Code": "None"},
        {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"},
        {"Code": "None"},
    ],
}
StoreAt = Callable[[Settings], ReadingStore]


@pytest.fixture
def fake() -> Iterator[Callable[..., FakeDynamoDB]]:
    fakes: list[FakeDynamoDB] = []

    def start(**kwargs: Any) -> FakeDynamoDB:
        fakes.append(FakeDynamoDB(**kwargs))
        return fakes[-1]

    yield start
    for each in fakes:
        each.close()


def put_readings(serve: Serve, store_at: StoreAt, db: FakeDynamoDB, atomic: bool) -> Any:
    settings = settings_for(
        "Devices", backend="aws", endpoint_url=db.url, max_attempts=1, request_timeout=10.0
    )
    http = serve(settings, store_at(settings))
    return decoded(http.post(PUT_READINGS, {"readings": READINGS, "atomic": atomic}))


def test_a_transaction_cancelled_by_a_conflicting_one_is_throttled(
    serve: Serve, store_at: StoreAt, fake: Callable[..., FakeDynamoDB]
) -> None:
    db = fake(body=CONFLICT)

    body = put_readings(serve, store_at, db, atomic=True)

    assert codes(body) == ["THROTTLED"]
    assert body["errors"][0]["message"].startswith(
        "readings[1]: another transaction was writing this reading; nothing was written"
    )
    assert body["data"] is None


@pytest.mark.parametrize("atomic", [False, True], ids=["one-by-one", "atomic"])
def test_throttled_writes_answer_throttled_saying_what_was_written(
    serve: Serve, store_at: StoreAt, fake: Callable[..., FakeDynamoDB], atomic: bool
) -> None:
    db = fake()  # throttles every request

    body = put_readings(serve, store_at, db, atomic=atomic)

    assert codes(body) == ["THROTTLED"]
    message = body["errors"][0]["message"]
    if atomic:
        assert [seen.target for seen in db.seen] == ["TransactWriteItems"]
    else:
        assert message.endswith("(3 of 3 readings failed this way; 0 were written)")
        assert sorted(seen.target for seen in db.seen) == ["UpdateItem"] * 3
