"""AtomicBatch: one transaction, true versions, and what a cancelled transaction becomes.

A transaction cancelled by a conflicting transaction could not be produced on DynamoDB Local:
it runs transactions one at a time (four threads sending 200 overlapping 25-item transactions
each all succeeded). Those cancellations come here from a fake DynamoDB on loopback that
answers with DynamoDB's TransactionCanceledException and its CancellationReasons.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.config import Config

from gql.errors import BackendUnavailableError, StoreError, ThrottledError
from gql.models import Reading, ReadingInfo, ReadingKey
from gql.store.batch import NOT_WRITTEN, AtomicBatch, Versions
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from tests.hardening.fakes import FakeDynamoDB

INFO = ReadingInfo("1612519200", Decimal("21.5"))
OTHER = ReadingInfo("1600000000", Decimal("99"))


def batch_of(count: int) -> list[Reading]:
    return [Reading("dev", c, INFO) for c in range(count)]


class RacedBatch(AtomicBatch):
    """A batch whose readings another writer changes right after each read of the versions."""

    def __init__(self, store: ReadingStore, races: int, **kwargs: Any) -> None:
        super().__init__(store.db, **kwargs)
        self.store = store
        self.races = races
        self.reads = 0

    def versions(self, keys: Sequence[ReadingKey]) -> Versions:
        found = super().versions(keys)
        self.reads += 1
        if self.reads <= self.races:
            self.store.put(keys[0], OTHER)
        return found


def test_a_reading_changed_after_the_read_is_read_again_and_the_versions_are_true(
    store: ReadingStore,
) -> None:
    store.batch_put([Reading("dev", 0, OTHER, version=2)])
    batch = RacedBatch(store, races=1)

    outcomes = batch.put(batch_of(3))

    assert batch.reads == 2
    # Version 2, then 3 by the other writer, then 4 by the batch.
    assert outcomes == [
        Reading("dev", 0, INFO, 4),
        Reading("dev", 1, INFO, 1),
        Reading("dev", 2, INFO, 1),
    ]
    stored = [store.get(ReadingKey("dev", c), consistent=True) for c in range(3)]
    assert stored == outcomes


def test_readings_that_keep_changing_give_up_with_throttled_and_write_nothing(
    store: ReadingStore,
) -> None:
    batch = RacedBatch(store, races=99, attempts=3)

    with pytest.raises(ThrottledError, match=r"kept changing .* \(3 attempts\); nothing was"):
        batch.put(batch_of(3))

    assert batch.reads == 3
    # Only the other writer's reading is there (version 3: one put per race).
    assert store.get(ReadingKey("dev", 0), consistent=True) == Reading("dev", 0, OTHER, 3)
    assert store.get(ReadingKey("dev", 1), consistent=True) is None


def test_if_not_exists_failures_are_the_callers_and_are_not_retried(store: ReadingStore) -> None:
    store.batch_put([Reading("dev", 1, OTHER, version=7)])
    batch = RacedBatch(store, races=0)

    outcomes = batch.put(batch_of(3), if_not_exists=True)

    assert batch.reads == 0  # nothing to read: a new reading's version is 1
    assert [(type(o).__name__, str(o)) for o in outcomes] == [
        ("ConditionFailedError", NOT_WRITTEN),
        ("ConditionFailedError", "a reading with this key already exists"),
        ("ConditionFailedError", NOT_WRITTEN),
    ]
    assert [getattr(o, "current", None) for o in outcomes] == [
        None,
        Reading("dev", 1, OTHER, 7),
        None,
    ]
    assert store.get(ReadingKey("dev", 0), consistent=True) is None


# -- cancelled for another reason: a fake DynamoDB on loopback ---------------------------


def cancelled(*codes: str) -> dict[str, Any]:
    return {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
        "CancellationReasons": [
            {"Code": code, **({"Message": "reason"} if code != "None" else {})} for code in codes
        ],
    }


@pytest.fixture
def fake_db() -> Iterator[Any]:
    def at(body: dict[str, Any]) -> tuple[FakeDynamoDB, DynamoDB]:
        fake = FakeDynamoDB(body=body)
        fakes.append(fake)
        client = boto3.client(
            "dynamodb",
            endpoint_url=fake.url,
            region_name="us-east-1",
            aws_access_key_id="fake",
            aws_secret_access_key="fake",
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )
        return fake, DynamoDB(client, "Devices")

    fakes: list[FakeDynamoDB] = []
    yield at
    for fake in fakes:
        fake.close()


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("TransactionConflict", ThrottledError, r"readings\[1\]: another transaction was writing"),
        ("ThrottlingError", ThrottledError, "throttling requests; nothing was written"),
        ("ProvisionedThroughputExceeded", ThrottledError, "throttling requests"),
        ("InternalServerError", BackendUnavailableError, r"cancelled the batch \(Internal"),
        ("ValidationError", StoreError, r"readings\[1\]: the database refused"),
    ],
)
def test_a_transaction_cancelled_for_another_reason_is_that_reasons_error(
    fake_db: Any, code: str, error: type[Exception], message: str
) -> None:
    fake, db = fake_db(cancelled("None", code, "None"))

    with pytest.raises(error, match=message):
        AtomicBatch(db).put(batch_of(3), if_not_exists=True)

    assert [seen.target for seen in fake.seen] == ["TransactWriteItems"]


def test_a_reason_beside_a_failed_condition_wins_over_it(fake_db: Any) -> None:
    _, db = fake_db(cancelled("ConditionalCheckFailed", "TransactionConflict"))

    with pytest.raises(ThrottledError, match=r"readings\[1\]"):
        AtomicBatch(db).put(batch_of(2), if_not_exists=True)


# -- a lost answer: the transaction was applied, botocore sent it again ------------------


def lose_first_answer(client: Any, operation: str) -> list[int]:
    """Make botocore retry the first `operation` once after it succeeded; returns the attempts."""
    seen: list[int] = []

    def retry_once(attempts: int, **_: Any) -> float | None:
        seen.append(attempts)
        return 0 if len(seen) == 1 else None

    client.meta.events.register(f"needs-retry.dynamodb.{operation}", retry_once)
    return seen


@pytest.mark.parametrize("if_not_exists", [False, True], ids=["put", "if-not-exists"])
def test_a_lost_answer_reports_the_versions_stored(
    request: pytest.FixtureRequest, store: ReadingStore, if_not_exists: bool
) -> None:
    attempts = lose_first_answer(store.db.client, "TransactWriteItems")

    outcomes = AtomicBatch(store.db).put(batch_of(3), if_not_exists=if_not_exists)

    assert attempts[:2] == [1, 2]
    stored = [store.get(ReadingKey("dev", c), consistent=True) for c in range(3)]
    assert outcomes == stored
    # DynamoDB Local, like DynamoDB, applies a retried transaction once (same
    # ClientRequestToken); moto applies it again, and a plain put then reports version 2.
    if if_not_exists or request.node.callspec.params["client"] == "dynamodb-local":
        assert [o.version for o in stored if o is not None] == [1, 1, 1]
