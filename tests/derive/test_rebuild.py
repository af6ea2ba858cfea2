"""`Rebuild`: the history recomputed from the readings themselves, on moto and DynamoDB Local."""

from __future__ import annotations

import functools
import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from gql.derive.batch import BatchDeriver
from gql.history import Level, floor, following
from gql.models import ReadingInfo, ReadingKey
from gql.store import DynamoDB, HistoryTable, ReadingStore, Tables, record_of
from gql.store.rebuild import SLICES, Rebuild
from tests.derive.recording import Recorder, expected_history, scan, stored_history, tutorial_item
from tests.integration.conftest import create_table
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T0 = 1_612_519_200
DATA = [
    {
        "device_id": "10001",
        "datacount": 1,
        "info": {"info_timestamp": "1612519200", "temperature1": 37.2, "temperature2": 21.31},
    },
    {
        "device_id": "10001",
        "datacount": 2,
        "info": {"info_timestamp": "1612521000", "temperature1": 24.34, "temperature2": 24.59},
    },
    {
        "device_id": "10002",
        "datacount": 1,
        "info": {"info_timestamp": "1612519200", "temperature1": 14.34, "temperature2": 17.59},
    },
    {
        "device_id": "10003",
        "datacount": 2,
        "info": {"info_timestamp": "1612521000", "temperature1": 34.55, "temperature2": 33.13},
    },
]


@dataclass
class Env:
    client: DynamoDBClient
    table: str
    lock: threading.Lock | None
    pool: ThreadPoolExecutor

    @property
    def history(self) -> str:
        return f"{self.table}History"

    def db(self, name: str) -> DynamoDB:
        return DynamoDB(self.client, name, lock=self.lock)

    def rebuild(self, device: str | None = None) -> Any:
        deriver = BatchDeriver(self.db(self.table), self.db(self.history), self.pool).deriver
        return Rebuild(deriver, HistoryTable(self.db(self.history)), self.pool).run(device)

    def tables(self) -> Tables:
        return Tables(self.db(self.table), history=self.history, sleep=lambda _: None)


@pytest.fixture
def env(request: pytest.FixtureRequest, client: DynamoDBClient) -> Iterator[Env]:
    """A table as the tutorial's create_table.py makes it: provisioned, no stream, no index."""
    name = f"Tutorial-{uuid.uuid4().hex[:8]}"
    create_table(client, name)
    moto = request.node.callspec.params["client"] == "moto"
    with ThreadPoolExecutor(4) as pool:
        env = Env(client, name, threading.Lock() if moto else None, pool)
        yield env
    env.tables().delete()


def load_the_tutorials_way(env: Env) -> None:
    """load_data.py with data.json (numbers as Decimal), then create_item.py (strings)."""
    table = boto3.resource(
        "dynamodb", endpoint_url=env.client.meta.endpoint_url, region_name="us-east-1"
    ).Table(env.table)
    for device in json.loads(json.dumps(DATA), parse_float=Decimal):
        table.put_item(Item=device)
    env.client.put_item(
        TableName=env.table,
        Item=tutorial_item("10001", 3, "1612522800", temperature1="23.74", temperature2="32.56"),
    )


def test_the_tutorials_table_rebuilt_gets_its_index_rollups_and_registry(env: Env) -> None:
    load_the_tutorials_way(env)
    tables = env.tables()
    tables.index_on(timeout=patient(60))
    tables.create(wait=True)  # the table exists: this makes the history table

    summary = env.rebuild()

    assert (summary.readings, summary.fixed, summary.devices) == (5, 5, 3)
    assert stored_history(env.client, env.history) == expected_history(scan(env.client, env.table))
    total = stored_history(env.client, env.history)[("#", "r#10001")]
    assert total.count == 3
    assert total.of("temperature1").total == Decimal("85.28")
    assert {s.reporter: s.consuming for s in HistoryTable(env.db(env.history)).statuses()} == {
        "rebuild": False
    }


def test_rebuilt_is_the_same_as_derived_as_it_came_and_a_second_rebuild_writes_nothing(
    env: Env,
) -> None:
    tables = env.tables()
    tables.index_on(timeout=patient(60))
    tables.create(wait=True)
    recorder = Recorder(env.client, env.table)
    store = ReadingStore(env.client, env.table, lock=env.lock)
    for n in range(1, 40):
        key = ReadingKey(f"d{n % 5}", n)
        info = ReadingInfo(str(T0 + 3_000 * n * n), temperature1=Decimal(n) / 8)
        recorder.write(key, functools.partial(store.put, key, info))
    recorder.put(tutorial_item("d9", 1, "not a time", temperature3="-4.5"))
    recorder.delete(ReadingKey("d1", 6))
    deriver = BatchDeriver(env.db(env.table), env.db(env.history), env.pool)
    assert deriver.derive([record_of(r) for r in recorder.take()]).failed == {}
    derived = stored_history(env.client, env.history)

    first = env.rebuild()
    second = env.rebuild()

    assert stored_history(env.client, env.history) == derived
    assert derived == expected_history(scan(env.client, env.table))
    assert first.written == 0  # the same history: nothing to change
    assert second.written == 0


def test_a_rebuild_empties_what_no_reading_is_behind(env: Env) -> None:
    tables = env.tables()
    tables.index_on(timeout=patient(60))
    tables.create(wait=True)
    store = ReadingStore(env.client, env.table, lock=env.lock)
    store.put(ReadingKey("kept", 1), ReadingInfo(str(T0)))
    store.put(ReadingKey("gone", 1), ReadingInfo(str(T0)))
    env.rebuild()
    env.client.delete_item(
        TableName=env.table, Key={"device_id": {"S": "gone"}, "datacount": {"N": "1"}}
    )

    env.rebuild()

    stored = stored_history(env.client, env.history)
    assert stored == expected_history(scan(env.client, env.table))
    assert not [key for key in stored if key[0] == "gone" or key[1] == "r#gone"]


def test_a_rebuild_of_one_device_leaves_the_others_alone(env: Env) -> None:
    tables = env.tables()
    tables.index_on(timeout=patient(60))
    tables.create(wait=True)
    store = ReadingStore(env.client, env.table, lock=env.lock)
    store.put(ReadingKey("a", 1), ReadingInfo(str(T0)))
    store.put(ReadingKey("b", 1), ReadingInfo(str(T0)))

    summary = env.rebuild("a")

    assert (summary.readings, summary.devices) == (1, 1)
    assert {key[0] for key in stored_history(env.client, env.history)} == {"a", "#"}


def test_readings_on_the_edges_of_the_slices_a_month_is_read_in_count_once(env: Env) -> None:
    tables = env.tables()
    tables.index_on(timeout=patient(60))
    tables.create(wait=True)
    store = ReadingStore(env.client, env.table, lock=env.lock)
    month = floor(Level.MONTH, T0)
    end = following(Level.MONTH, month)
    edges = [month + (end - month) * i // SLICES for i in range(SLICES)] + [end]
    # Each edge, and a second either side of it: both slices of an edge read the reading on it.
    times = sorted({t + d for t in edges for d in (-1, 0, 1)})
    for n, at in enumerate(times, start=1):
        store.put(ReadingKey("edges", n), ReadingInfo(str(at), temperature1=Decimal(n)))

    summary = env.rebuild()

    assert summary.readings == len(times)
    stored = stored_history(env.client, env.history)
    assert stored == expected_history(scan(env.client, env.table))
