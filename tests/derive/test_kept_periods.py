"""The periods a consumer keeps (gql/store/periodcache.py): the changes applied to them, their
bounds, and derivation with them on moto and DynamoDB Local, compared with a full scan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gql.derive.batch import BatchDeriver
from gql.models import Change, ChangeKind, InfoPatch, Reading, ReadingInfo, ReadingKey
from gql.store import DynamoDB, PeriodCache, StreamRecord, record_of
from gql.store.timeindex import INDEX
from tests.derive.conftest import Setup

T0 = 1_612_519_200  # 2021-02-05T10:00:00Z, the start of a 5-minute period
FIVE = 300


def reading(datacount: int, seconds: int | str, t1: str = "1", device: str = "a") -> Reading:
    return Reading(device, datacount, ReadingInfo(str(seconds), temperature1=Decimal(t1)))


def record(old: Reading | None, new: Reading | None, *, index_only: bool = False) -> StreamRecord:
    kind = (
        ChangeKind.INSERT
        if old is None
        else ChangeKind.REMOVE
        if new is None
        else ChangeKind.MODIFY
    )
    key = (new or old).key  # type: ignore[union-attr]
    return StreamRecord(Change(kind, key, new, old, 0.0), None, index_only)


def temperatures(kept: dict[int, list[Reading]]) -> dict[int, dict[int, Decimal | None]]:
    return {
        start: {r.datacount: r.info.temperature1 for r in readings}
        for start, readings in kept.items()
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_changes_are_applied_in_order_to_the_kept_periods_their_images_lie_in() -> None:
    cache = PeriodCache()
    cache.keep("a", {T0: [reading(1, T0, "1"), reading(2, T0 + 10, "2")], T0 + FIVE: []})
    moved = reading(2, T0 + FIVE + 1, "2")
    cache.apply(
        [
            record(None, reading(3, T0 + 20, "3")),  # an insert into a kept period
            record(reading(1, T0, "1"), reading(1, T0, "10")),  # an update inside it
            record(reading(2, T0 + 10, "2"), moved),  # a move to the other kept period
            record(moved, reading(2, T0 + FIVE + 1, "20")),  # and a change after the move
            record(reading(3, T0 + 20, "3"), None),  # the insert deleted again
            record(None, reading(4, T0 + 3 * FIVE, "4")),  # into a period not kept: nothing
            record(reading(1, T0, "10"), reading(1, T0, "99"), index_only=True),  # no change
            record(None, reading(5, "not a time", "5")),  # untimed: never kept
        ]
    )

    assert temperatures(cache.take("a", [T0, T0 + FIVE, T0 + 3 * FIVE])) == {
        T0: {1: Decimal(10)},
        T0 + FIVE: {2: Decimal(20)},
    }
    assert cache.size == 2
    assert (cache.hits, cache.misses) == (2, 1)


def test_a_period_is_read_again_once_it_is_old() -> None:
    clock = Clock()
    cache = PeriodCache(max_age=60, clock=clock)
    cache.keep("a", {T0: [reading(1, T0)]})
    clock.now += 59
    assert list(cache.take("a", [T0])) == [T0]
    clock.now += 2
    assert cache.take("a", [T0]) == {}


def test_the_least_recently_used_periods_go_first_beyond_the_bound() -> None:
    cache = PeriodCache(max_readings=4)
    cache.keep("a", {T0: [reading(1, T0), reading(2, T0 + 1)]})
    cache.keep("b", {T0: [reading(1, T0, device="b")]})
    cache.take("a", [T0])  # "a" is used: "b" is now the oldest
    cache.keep("c", {T0: [reading(1, T0, device="c"), reading(2, T0, device="c")]})

    assert (cache.take("b", [T0]), cache.size) == ({}, 4)  # 5 readings were too many
    assert list(cache.take("a", [T0])) == list(cache.take("c", [T0])) == [T0]


def test_a_device_or_everything_is_forgotten() -> None:
    cache = PeriodCache()
    cache.keep("a", {T0: [reading(1, T0)], T0 + FIVE: [reading(2, T0 + FIVE)]})
    cache.keep("b", {T0: [reading(1, T0, device="b")]})

    cache.forget("a")
    assert (cache.take("a", [T0, T0 + FIVE]), list(cache.take("b", [T0])), cache.size) == (
        {},
        [T0],
        1,
    )
    cache.forget()
    assert (cache.take("b", [T0]), cache.size) == ({}, 0)


class CountingIndex(DynamoDB):
    """DynamoDB that counts the queries of the time index."""

    def __init__(self, db: DynamoDB) -> None:
        super().__init__(db.client, db.table, lock=db._lock)  # type: ignore[arg-type]
        self.queries = 0

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation == "query" and params.get("IndexName") == INDEX:
            self.queries += 1
        return super().call(operation, **params)


def test_kept_periods_spare_the_index_and_the_history_stays_exact(setup: Setup) -> None:
    cache = PeriodCache()
    deriver = BatchDeriver(
        setup.deriver.readings,
        setup.deriver.deriver.rollups.db,
        setup.deriver.executor,
        periods=cache,
    )
    counting = deriver.deriver.readings = CountingIndex(setup.deriver.readings)
    # Two devices, three 5-minute periods each, far enough apart to be read one Query each.
    for device in ("a", "b"):
        for n, at in enumerate([T0, T0 + 1, T0 + 10 * FIVE, T0 + 20 * FIVE + 7], start=1):
            setup.put(device, n, str(at), str(n * 10))
    setup.derive(setup.recorder.take())  # by setup's deriver: nothing is kept yet

    # Each batch is derived by the deriver that keeps periods, and checked against a scan.
    def derive_and_check() -> int:
        before = counting.queries
        outcome = deriver.derive([record_of(r) for r in setup.recorder.take()])
        assert outcome.failed == {}
        setup.check()
        return counting.queries - before

    setup.put("a", 5, str(T0 + 2), "5")
    setup.put("b", 5, str(T0 + 10 * FIVE + 3), "5")
    assert derive_and_check() == 2  # one period of each device read, and kept

    key = ReadingKey("a", 1)
    setup.recorder.write(
        key, lambda: setup.store.update(key, InfoPatch(set={"temperature1": Decimal(-4)}))
    )
    setup.recorder.delete(ReadingKey("a", 2))  # the maximum of the kept period
    setup.put("a", 6, str(T0 + 30), "99")  # a new maximum
    setup.recorder.delete(ReadingKey("b", 3))  # the only other reading of b's kept period
    assert derive_and_check() == 0  # every period touched is kept
    assert cache.hits == 2

    # A reading moved from a kept period to one that is not, and a late reading.
    key = ReadingKey("a", 5)
    setup.recorder.write(
        key, lambda: setup.store.update(key, InfoPatch(set={"info_timestamp": str(T0 + 20 * FIVE)}))
    )
    setup.put("b", 6, str(T0 - 86_400 * 400), "-9")
    assert derive_and_check() == 2  # the two periods not kept
    # Moved back: both periods are kept now, and answer without the index.
    setup.recorder.write(
        key, lambda: setup.store.update(key, InfoPatch(set={"info_timestamp": str(T0 + 299)}))
    )
    assert derive_and_check() == 0
