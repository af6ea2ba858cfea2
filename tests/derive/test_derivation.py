"""Batches of changes derived into rollups and registry entries, on moto and DynamoDB Local.

The records are made by hand (tests/derive/recording.py) in the shape DynamoDB Streams gives,
so the derivation is tested apart from the stream; tests/derive/test_consumer.py reads the real
stream of DynamoDB Local. After every batch the whole history table is compared with what a
full scan of the readings implies.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from gql.models import InfoPatch, ReadingKey
from gql.store import DynamoDB, StreamRecord, record_of
from gql.store.timeindex import INDEX
from tests.derive.conftest import Setup
from tests.derive.recording import stored_history, tutorial_item

T0 = 1_612_519_200  # 2021-02-05T10:00:00Z


def test_inserts_of_the_api_and_of_the_tutorial_become_rollups_and_registry_entries(
    setup: Setup,
) -> None:
    setup.put("a", 1, str(T0), "20.5")
    setup.put("a", 2, str(T0 + 400), "-3.25")
    setup.put("a", 3, str(T0 + 86_400 * 40), "7")
    setup.put("a", 4, "not a time", "100")
    setup.recorder.put(tutorial_item("b", 1, str(T0 + 10), temperature1="23.74"))
    setup.recorder.put(tutorial_item("b", 2, "1612519200.5", temperature2="1e2"))

    setup.derive(setup.recorder.take())

    setup.check()
    total = stored_history(setup.client, setup.history)[("#", "r#a")]
    assert (total.count, total.lowest, total.highest) == (4, 1, 4)
    assert total.of("temperature1").total == Decimal("124.25")


def test_the_tutorials_readings_get_their_time_index(setup: Setup) -> None:
    setup.recorder.put(tutorial_item("b", 1, str(T0 + 10), temperature1="23.74"))
    setup.derive(setup.recorder.take())

    found = setup.client.query(
        TableName=setup.table,
        IndexName=INDEX,
        KeyConditionExpression="device_id = :d",
        ExpressionAttributeValues={":d": {"S": "b"}},
    )["Items"]

    assert [item["recorded_at"] for item in found] == [{"N": str(T0 + 10)}]


def test_updates_moves_deletes_of_extremes_and_late_readings_are_reflected_exactly(
    setup: Setup,
) -> None:
    for n in range(1, 13):
        setup.put("a", n, str(T0 + 60 * n), str(n))
    setup.derive(setup.recorder.take())

    setup.recorder.delete(ReadingKey("a", 12))  # the maximum of its period
    setup.recorder.delete(ReadingKey("a", 1))  # the minimum of its period
    key = ReadingKey("a", 5)
    setup.recorder.write(
        key, lambda: setup.store.update(key, InfoPatch(set={"info_timestamp": str(T0 + 7200)}))
    )
    setup.recorder.write(
        key, lambda: setup.store.update(key, InfoPatch(set={"temperature1": Decimal(50)}))
    )
    setup.put("a", 13, str(T0 - 86_400 * 400), "-9")  # late: an old timestamp written now
    setup.put("a", 6, "soon", "6")  # a time no more
    setup.derive(setup.recorder.take())

    setup.check()


def test_a_batch_derived_twice_or_split_and_shuffled_leaves_the_same_history(setup: Setup) -> None:
    for n in range(1, 9):
        setup.put(f"d{n % 3}", n, str(T0 + 500 * n), str(n))
    setup.recorder.delete(ReadingKey("d1", 4))
    setup.put("d2", 2, str(T0 + 99_999), "1.5")
    records = setup.recorder.take()

    setup.derive(records)
    setup.check()
    before = stored_history(setup.client, setup.history)
    setup.derive(records)  # a replay after a crash, or Lambda retrying the batch
    setup.derive(records[5:])
    setup.derive(list(reversed(records[:5])))  # other devices' shards, any order

    assert stored_history(setup.client, setup.history) == before


def test_a_device_whose_readings_are_all_deleted_leaves_the_registry(setup: Setup) -> None:
    setup.put("gone", 1, str(T0), "1")
    setup.put("kept", 1, str(T0), "1")
    setup.derive(setup.recorder.take())
    setup.recorder.delete(ReadingKey("gone", 1))

    setup.derive(setup.recorder.take())

    stored = stored_history(setup.client, setup.history)
    assert ("#", "r#gone") not in stored
    assert ("#", "r#kept") in stored
    assert not [key for key in stored if key[0] == "gone"]
    setup.check()


def test_the_index_fix_is_no_change_of_the_reading_and_derives_nothing(setup: Setup) -> None:
    setup.recorder.put(tutorial_item("b", 1, str(T0), temperature1="2"))
    first = [record_of(r) for r in setup.recorder.take()]
    fix = first[0].fix
    assert fix is not None
    setup.recorder.write(fix.key, lambda: setup.deriver.derive(first))

    echo: list[StreamRecord] = [record_of(r) for r in setup.recorder.take()]

    assert [(r.index_only, r.fix) for r in echo] == [(True, None)]
    assert setup.deriver.derive(echo).devices == 0


class LaggingIndex(DynamoDB):
    """DynamoDB whose time index does not yet show one reading for the first `lag` queries."""

    def __init__(self, db: DynamoDB, hidden: ReadingKey, lag: int) -> None:
        super().__init__(db.client, db.table, lock=db._lock)  # type: ignore[arg-type]
        self.hidden = hidden
        self.lag = lag
        self.queries = 0

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        response = super().call(operation, **params)
        if operation == "query" and params.get("IndexName") == INDEX:
            self.queries += 1
            if self.queries <= self.lag:
                response["Items"] = [
                    item
                    for item in response["Items"]
                    if (item["device_id"]["S"], int(item["datacount"]["N"]))
                    != (self.hidden.device_id, self.hidden.datacount)
                ]
        return response


def test_a_recomputation_waits_until_the_index_shows_the_change_that_triggered_it(
    setup: Setup,
) -> None:
    setup.put("a", 1, str(T0), "1")
    setup.put("a", 2, str(T0 + 1), "2")
    records = setup.recorder.take()
    lagging = LaggingIndex(setup.deriver.readings, ReadingKey("a", 2), lag=3)
    setup.deriver.deriver.readings = lagging

    setup.derive(records)

    assert lagging.queries == 4
    setup.check()


def test_a_change_superseded_in_the_table_is_not_waited_for(setup: Setup) -> None:
    setup.put("a", 1, str(T0), "1")
    records = setup.recorder.take()
    setup.put("a", 1, str(T0), "99")  # a later change, not in this batch
    lagging = LaggingIndex(setup.deriver.readings, ReadingKey("a", 1), lag=1)
    setup.deriver.deriver.readings = lagging

    setup.derive(records)  # the index hides "a" 1: the table holds a newer image of it

    assert lagging.queries == 2
    setup.derive(setup.recorder.take())
    setup.check()


def test_concurrent_recomputations_of_one_device_end_exact(
    request: pytest.FixtureRequest, setup: Setup
) -> None:
    if request.node.callspec.params["client"] == "moto":
        pytest.skip("in-process moto is not thread-safe: concurrency runs on DynamoDB Local")
    batches = []
    for n in range(1, 41):
        setup.put("busy", n, str(T0 + 37 * n), str(n))
        batches.append(setup.recorder.take())
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda b: setup.deriver.derive([record_of(r) for r in b]), batches)
        )
    # A device whose rollups kept changing for every attempt is reported failed, and its batch
    # is delivered again (the consumer reads it again; Lambda retries it): as they would.
    failed = [b for b, o in zip(batches, outcomes, strict=True) if o.failed]
    for _ in range(5):
        failed = [b for b in failed if setup.deriver.derive([record_of(r) for r in b]).failed]

    assert failed == []
    setup.check()
    print(f"recomputations redone after a conflict: {setup.deriver.deriver.conflicts}")
