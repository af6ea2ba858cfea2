"""The embedded store publishes its own successful writes, with both images (moto in-process)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from gql.errors import BackendUnavailableError, ConditionFailedError
from gql.models import (
    Change,
    ChangeKind,
    Compare,
    InfoPatch,
    Reading,
    ReadingInfo,
    ReadingKey,
)
from gql.store import budget as budget_module
from gql.store.budget import Budget, within
from gql.store.client import DynamoDB
from gql.store.embedded import publishing_store
from gql.store.readings import ReadingStore
from gql.store.tables import Tables

TABLE = "Devices"
KEY = ReadingKey("d", 1)


@pytest.fixture
def published() -> list[Change]:
    return []


@pytest.fixture
def store(published: list[Change]) -> Iterator[ReadingStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        Tables(DynamoDB(client, TABLE)).create(wait=True)
        yield publishing_store(
            client, TABLE, lock=threading.Lock(), on_change=published.append, sleep=lambda _: None
        )


def info(t1: str | None = None, timestamp: str = "1") -> ReadingInfo:
    return ReadingInfo(timestamp, temperature1=None if t1 is None else Decimal(t1))


def test_put_update_delete_publish_insert_modify_remove_with_both_images(
    store: ReadingStore, published: list[Change]
) -> None:
    store.put(KEY, info("20.5"))
    store.update(KEY, InfoPatch(set={"temperature1": Decimal("21")}))
    store.delete_if(KEY)
    first = Reading("d", 1, info("20.5"), version=1)
    second = Reading("d", 1, info("21"), version=2)
    assert [(c.kind, c.key, c.new, c.old) for c in published] == [
        (ChangeKind.INSERT, KEY, first, None),
        (ChangeKind.MODIFY, KEY, second, first),
        (ChangeKind.REMOVE, KEY, None, second),
    ]
    assert all(c.sequence == "" for c in published)
    times = [c.changed_at for c in published]
    assert times == sorted(times)


def test_batch_writes_publish_each_reading(store: ReadingStore, published: list[Change]) -> None:
    store.put(ReadingKey("d", 2), info("1"))
    published.clear()
    readings = [Reading("d", n, info(str(n)), version=None) for n in range(1, 31)]
    assert store.batch_put(readings) == 30  # two BatchWriteItem requests
    assert [c.key.datacount for c in published] == list(range(1, 31))
    kinds = {c.key.datacount: c.kind for c in published}
    assert kinds[2] is ChangeKind.MODIFY
    assert {k for k, kind in kinds.items() if kind is ChangeKind.INSERT} == set(range(1, 31)) - {2}


def test_transactions_publish_every_reading_they_write(
    store: ReadingStore, published: list[Change]
) -> None:
    store.put(ReadingKey("d", 2), info("1"))
    published.clear()
    store.db.call(
        "transact_write_items",
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {
                        "device_id": {"S": "d"},
                        "datacount": {"N": "1"},
                        "info": {"M": {"info_timestamp": {"S": "9"}}},
                    },
                }
            },
            {
                "Delete": {
                    "TableName": TABLE,
                    "Key": {"device_id": {"S": "d"}, "datacount": {"N": "2"}},
                }
            },
        ],
    )
    assert [(c.kind, c.key.datacount) for c in published] == [
        (ChangeKind.INSERT, 1),
        (ChangeKind.REMOVE, 2),
    ]


def test_a_failed_write_publishes_nothing(store: ReadingStore, published: list[Change]) -> None:
    store.put(KEY, info("20"))
    published.clear()
    with pytest.raises(ConditionFailedError):
        store.put(KEY, info("30"), if_not_exists=True)
    with pytest.raises(ConditionFailedError):
        store.delete_if(KEY, condition=Compare("temperature1", "gt", Decimal("25")))
    assert published == []


def test_a_write_that_changes_nothing_publishes_nothing(
    store: ReadingStore, published: list[Change]
) -> None:
    # Like DynamoDB Streams, which records no change for a write that leaves an item as it was.
    item = Reading("d", 1, info("20"), version=None)
    store.batch_put([item])
    store.batch_put([item])
    assert [c.kind for c in published] == [ChangeKind.INSERT]


def test_reads_publish_nothing(store: ReadingStore, published: list[Change]) -> None:
    store.put(KEY, info("20"))
    published.clear()
    store.get(KEY)
    store.query("d")
    store.scan()
    store.batch_get([KEY])
    assert published == []


def test_the_callers_time_budget_applies_before_the_write_and_is_kept_after_it(
    store: ReadingStore, published: list[Change]
) -> None:
    spent = Budget(time.monotonic() - 1)
    with within(spent), pytest.raises(BackendUnavailableError):
        store.put(KEY, info("20"))
    assert store.get(KEY) is None
    assert published == []

    budget = Budget(time.monotonic() + 60)
    with within(budget) as given:
        store.put(KEY, info("20"))
        # Reading the images after the write ran without a deadline, then gave this one back.
        assert budget_module.state.budget is given
    assert [c.kind for c in published] == [ChangeKind.INSERT]
