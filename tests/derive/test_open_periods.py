"""The periods of a device's head live in its registry entry (gql/store/rollupplan.py).

A device reporting now changes only the periods that hold its newest 5-minute period: deriving
it writes one item, its registry entry, instead of one per level. The head moving writes the
periods it leaves to their own items; a late reading writes its own periods and the entry. A
stale item of a period the entry holds (left by an older layout, or by the history before a
rebuild) is never read as the truth.
"""

from __future__ import annotations

import time
from decimal import Decimal

from gql.history import LEVELS, Level, Period, Rollup, TimeWindow, floor, rollup_of
from gql.models import Reading, ReadingInfo
from gql.store import DynamoDB
from gql.store.assembly import Assembly
from gql.store.historycodec import (
    Item,
    head_of,
    open_rollups,
    registry_key,
    rollup_attributes,
    rollup_key,
    rollup_sort_key,
)
from gql.store.historytable import HistoryTable
from gql.store.rollupcache import REGISTRY
from gql.store.rollupplan import plan_writes
from gql.store.rolluptable import Write
from tests.derive.conftest import Setup
from tests.derive.recording import expected_history, scan

T0 = 1_612_519_200  # 2021-02-05T10:00:00Z, the start of an hour
FIVE = Level.FIVE_MINUTES


def reading(datacount: int, seconds: int, t1: str = "20") -> Reading:
    return Reading("d", datacount, ReadingInfo(str(seconds), temperature1=Decimal(t1)))


class Stored:
    """A device's history items as plan_writes sees them, kept as the writes leave them."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.readings: dict[int, Reading] = {}

    def derive(self, *changed: Reading) -> list[Write]:
        for r in changed:
            self.readings[r.key.datacount] = r
        starts = {floor(FIVE, Decimal(r.info.info_timestamp)) for r in changed}
        fresh: dict[Period | None, Rollup] = {
            Period(FIVE, s): rollup_of(
                r
                for r in self.readings.values()
                if floor(FIVE, Decimal(r.info.info_timestamp)) == s
            )
            for s in starts
        }
        writes = plan_writes("d", starts, dict(self.items), fresh)
        for write in writes:
            name = REGISTRY if write.extra is not None else write.key["sk"]["S"]
            self.items[name] = write.item()
        return writes


def written(writes: list[Write]) -> list[str]:
    return [REGISTRY if w.extra is not None else w.key["sk"]["S"] for w in writes]


def key(level: Level, seconds: int) -> str:
    return rollup_sort_key(Period(level, floor(level, seconds)))


def test_a_device_reporting_in_its_newest_period_costs_one_write_a_batch() -> None:
    stored = Stored()
    assert written(stored.derive(reading(1, T0))) == [REGISTRY]
    assert written(stored.derive(reading(2, T0 + 60, "21"))) == [REGISTRY]
    assert written(stored.derive(reading(1, T0 + 30, "19"))) == [REGISTRY]  # an update
    entry = stored.items[REGISTRY]
    assert head_of(entry) == T0
    held = open_rollups(entry)
    assert sorted(p.level.value for p in held) == sorted(level.value for level in LEVELS)
    expected = rollup_of(stored.readings.values())
    assert all(rollup == expected for rollup in held.values())
    assert set(stored.items) == {REGISTRY}


def test_the_head_moving_writes_the_periods_it_leaves_to_their_own_items() -> None:
    stored = Stored()
    stored.derive(reading(1, T0))
    # The next 5-minute period of the same hour: the first one leaves the entry.
    assert written(stored.derive(reading(2, T0 + 300))) == [key(FIVE, T0), REGISTRY]
    # The next hour: its last 5-minute period and the hour leave.
    moved = stored.derive(reading(3, T0 + 3600))
    assert written(moved) == [key(FIVE, T0 + 300), key(Level.HOUR, T0), REGISTRY]
    left = {w.key["sk"]["S"]: w.rollup for w in moved if w.extra is None}
    assert left[key(Level.HOUR, T0)] == rollup_of([reading(1, T0), reading(2, T0 + 300)])
    assert head_of(stored.items[REGISTRY]) == T0 + 3600


def test_a_late_reading_writes_its_own_periods_and_the_entry() -> None:
    stored = Stored()
    stored.derive(reading(1, T0))
    stored.derive(reading(2, T0 + 86_400))  # the next day: the head moves there
    late = stored.derive(reading(3, T0 + 600))  # in the first day, now closed
    assert written(late) == [
        key(FIVE, T0 + 600),
        key(Level.HOUR, T0),
        key(Level.DAY, T0),
        REGISTRY,  # the month and the year it holds changed too
    ]
    assert head_of(stored.items[REGISTRY]) == T0 + 86_400
    month = open_rollups(stored.items[REGISTRY])[Period(Level.MONTH, floor(Level.MONTH, T0))]
    assert month.count == 3


def test_a_stale_item_of_a_period_the_entry_holds_is_not_read_as_the_truth(setup: Setup) -> None:
    day = floor(Level.DAY, T0)
    last = day + 86_400 - 0.5  # the head's periods are whole only if a reading ends them
    setup.put("d", 1, str(day), "10")
    for n in range(2, 5):
        setup.put("d", n, str(T0 + 600 * n), str(20 + n))  # three readings, in one hour
    setup.put("d", 5, str(last), "30")
    setup.derive(setup.recorder.take())
    setup.check()
    history = DynamoDB(setup.client, setup.history)
    registry = {"pk": {"S": "#"}, "sk": {"S": "r#d"}}
    entry = history.call("get_item", TableName=setup.history, Key=registry)["Item"]
    assert head_of(entry) == floor(FIVE, Decimal(str(last)))
    # The periods the entry holds get items of their own that say something else.
    wrong = rollup_attributes(rollup_of([reading(9, int(last), "99")]))
    stale = [rollup_key("d", Period(level, floor(level, Decimal(str(last))))) for level in LEVELS]
    for key_ in stale:
        history.call("put_item", TableName=setup.history, Item={**key_, **wrong, "v": {"N": "7"}})
    readings = scan(setup.client, setup.table)
    assembly = Assembly(DynamoDB(setup.client, setup.table), HistoryTable(history), budget=10_000)
    deadline = time.monotonic() + 60
    hour = day + 82_800
    for start, end in [(day, day + 86_400), (hour, day + 86_400), (day - 86_400, day + 3 * 86_400)]:
        window = TimeWindow(Decimal(start), Decimal(end))
        stats = assembly.stats("d", window, deadline=deadline)
        assert stats.cut is None
        assert stats.figures == rollup_of(r for r in readings if window.holds(r)).figures("d")
    series = assembly.series("d", Decimal(day), Decimal(day + 86_400), 3600, deadline=deadline)
    assert [b.figures.count for b in series.buckets] == [1, 3, 1]
    for key_ in stale:  # the stale items are still there, and were ignored
        assert history.call("get_item", TableName=setup.history, Key=key_)["Item"]["n"]["N"] == "1"


def test_a_device_without_an_entry_is_read_whole_in_one_query_leftovers_included(
    setup: Setup,
) -> None:
    # A writer derived reading 1 and wrote its 5-minute period, then died before the entry.
    setup.put("x", 1, str(T0), "11")
    setup.recorder.take()
    leftover = rollup_of([Reading("x", 1, ReadingInfo(str(T0), temperature1=Decimal("11")))])
    history = setup.deriver.deriver.rollups.db
    item = {**rollup_key("x", Period(FIVE, T0)), **rollup_attributes(leftover), "v": {"N": "5"}}
    history.call("put_item", TableName=setup.history, Item=item)
    calls: list[str] = []
    history.observer = lambda record: calls.append(record.operation)

    setup.put("x", 2, str(T0 + 300), "12")  # the next 5-minute period: the first one is left
    setup.derive(setup.recorder.take())

    assert calls.count("query") == 1  # the whole partition, not a Query per level
    setup.check()  # the hour, day, month, year and total count the leftover too
    calls.clear()
    setup.put("x", 3, str(T0 + 310), "13")
    setup.derive(setup.recorder.take())
    assert calls == ["put_item"]  # everything was kept: the entry's write alone
    setup.check()


def test_a_history_derived_by_the_layout_before_is_taken_over_as_it_is(setup: Setup) -> None:
    """A history table of the layout before (an item per period, entries without a head) needs
    no rebuild: the first batch of a device puts the periods of what it touched in the entry,
    even when a late reading comes first and later periods keep their items."""
    hours = [T0, T0 + 3600, T0 + 7200]
    setup.put("u", 1, str(hours[0]), "10")
    setup.put("u", 2, str(hours[1]), "11")
    setup.put("u", 3, str(hours[2] + 3599.5), "12")  # it ends the third hour: a whole one
    setup.recorder.take()
    history = DynamoDB(setup.client, setup.history)
    for (pk, sk), rollup in expected_history(scan(setup.client, setup.table)).items():
        item = {"pk": {"S": pk}, "sk": {"S": sk}, **rollup_attributes(rollup), "v": {"N": "1"}}
        if pk == "#":
            item["device"] = {"S": "u"}
        history.call("put_item", TableName=setup.history, Item=item)
    setup.check()

    setup.put("u", 4, str(hours[1] + 400), "30")  # late: the second hour, before the third
    setup.derive(setup.recorder.take())

    setup.check()
    entry = history.call("get_item", TableName=setup.history, Key=registry_key("u"))["Item"]
    assert head_of(entry) == hours[1] + 300  # the second hour's periods are in the entry now
    # Its hour's item is stale, and a run of hours that reads it (the first to the third,
    # whole) takes the entry's instead.
    readings = scan(setup.client, setup.table)
    assembly = Assembly(DynamoDB(setup.client, setup.table), HistoryTable(history), budget=10_000)
    window = TimeWindow(Decimal(hours[0]), Decimal(hours[2] + 3600))
    stats = assembly.stats("u", window, deadline=time.monotonic() + 60)
    assert stats.figures == rollup_of(readings).figures("u")
    assert stats.figures.count == 4

    setup.put("u", 5, str(hours[2] + 3600), "13")  # the next hour: the head moves past all
    setup.derive(setup.recorder.take())
    setup.check()
    entry = history.call("get_item", TableName=setup.history, Key=registry_key("u"))["Item"]
    assert head_of(entry) == hours[2] + 3600
    left = history.call(
        "get_item", TableName=setup.history, Key=rollup_key("u", Period(Level.HOUR, hours[1]))
    )["Item"]
    assert left["n"] == {"N": "2"}  # the second hour's item, written when the head left it


def test_a_batch_of_devices_seen_for_the_first_time_reads_their_entries_in_one_request(
    setup: Setup,
) -> None:
    for n in range(6):
        setup.put(f"fleet-{n}", 1, str(T0 + n), str(20 + n))
    history = setup.deriver.deriver.rollups.db
    calls: list[str] = []
    history.observer = lambda record: calls.append(record.operation)

    setup.derive(setup.recorder.take())

    assert calls.count("batch_get_item") == 1  # the 6 entries (and untimed rollups) at once
    assert calls.count("query") == 6  # each device's partition, whole
    assert calls.count("put_item") == 6  # each device's entry, holding its periods
    setup.check()
