"""`gql derive rebuild`: the index attribute, rollups and registry recomputed from the readings.

1. The readings (the table, or one device) are read once, consistently: every reading whose
   recorded_at is missing or wrong is fixed (as the consumer fixes them), and each device's
   calendar months with readings are counted.
2. Device by device (several at once), month by month: the month's stored rollups are read
   first (with their versions), then its readings through the index, and every 5-minute,
   hour and day rollup of the month, the month, its year and the registry entry are written
   where they differ, on condition of the versions read (as the consumer writes them). A month
   whose index does not yet hold as many readings as were counted is read again after a pause.
   Months and devices that have rollups but no readings any more are emptied.
3. The readings without a time are recomputed as the consumer does it, and a status is
   reported (reporter "rebuild", upTo: when the rebuild started).

What it costs: one read of the readings, one more through the index, the rollups of the
devices read once, and a write only of what differs, so running it again writes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field

from gql.history import (
    FINEST,
    LEVELS,
    Level,
    Period,
    Rollup,
    floor,
    following,
    recorded_seconds,
    rollup_of,
)
from gql.models import Reading, ReadingKey
from gql.store.codec import from_item, key_from_item, key_to_item
from gql.store.derivation import FIVE, Deriver, DeviceWork
from gql.store.historycodec import (
    NONE,
    Item,
    Status,
    head_of,
    level_bounds,
    period_of_sort_key,
    registry_key,
    rollup_key,
)
from gql.store.historytable import HistoryTable
from gql.store.indexfix import fix_index
from gql.store.rollupcache import REGISTRY
from gql.store.rollupplan import plan_writes, written_keys
from gql.store.rolluptable import ConflictError
from gql.store.timeindex import ATTRIBUTE, fix_for
from gql.store.walk import item_pages

log = logging.getLogger("gql.derive")

MAX_WAITS = 6  # reads of a month's index that fall short of its count before going on
# A month's index is read in this many slices of time at once: on DynamoDB Local, four
# Queries of a quarter each read 100,000 readings of a device in 2.5 s against 5.1 s for one.
SLICES = 4


@dataclass
class Census:
    """Per device: readings counted per month (None: without a time)."""

    months: dict[str, dict[int | None, int]] = field(default_factory=dict)
    readings: int = 0
    fixed: int = 0

    def add(self, reading: Reading) -> None:
        seconds = recorded_seconds(reading.info.info_timestamp)
        month = None if seconds is None else floor(Level.MONTH, seconds)
        counts = self.months.setdefault(reading.device_id, {})
        counts[month] = counts.get(month, 0) + 1
        self.readings += 1


@dataclass
class Summary:
    readings: int
    fixed: int  # readings given their recorded_at
    devices: int
    months: int
    written: int  # history items written or deleted


class Rebuild:
    def __init__(
        self,
        deriver: Deriver,
        history: HistoryTable,
        executor: Executor,
        *,
        progress: Callable[[str, int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.deriver = deriver
        self.readings = deriver.readings
        self.history = history
        self.executor = executor
        self.progress = progress or (lambda phase, n: None)
        self._sleep = sleep

    def run(self, device_id: str | None = None) -> Summary:
        started = time.time()
        census = self._census(device_id)
        devices = set(census.months)
        if device_id is None:
            devices |= self._registered()
        elif self.history.entries([device_id]):
            devices.add(device_id)
        jobs = [
            self.executor.submit(self._device, d, census.months.get(d, {})) for d in sorted(devices)
        ]
        months = written = 0
        for job in jobs:
            done_months, done_writes = job.result()
            months += done_months
            written += done_writes
        self.history.report(Status("rebuild", started, 0, time.time(), consuming=False))
        return Summary(census.readings, census.fixed, len(devices), months, written)

    # -- 1: the readings -----------------------------------------------------------------------

    def _census(self, device_id: str | None) -> Census:
        census = Census()
        # What the fix and the count need, not the temperatures: a third of what is parsed.
        attributes = [["device_id"], ["datacount"], ["info", "info_timestamp"], [ATTRIBUTE]]
        pages = item_pages(
            self.readings,
            device_id=device_id,
            consistent=True,
            page_size=None,
            attributes=attributes,
        )
        for page in pages:
            fixes = [f for item in page if (f := fix_for(key_from_item(item), item)) is not None]
            changed = fix_index(self.readings, fixes, self.executor) if fixes else set()
            census.fixed += len(fixes) - len(changed)
            census.fixed += self._refix(changed)
            for item in page:
                census.add(from_item(item))
            self.progress("read", len(page))
        return census

    def _refix(self, keys: set[ReadingKey]) -> int:
        # Readings written again between the read and the fix: fixed as they are now.
        fixed = 0
        for _ in range(5):
            if not keys:
                break
            items = [self._item(k) for k in keys]
            fixes = [f for item in items if item and (f := fix_for(key_from_item(item), item))]
            keys = fix_index(self.readings, fixes, self.executor) if fixes else set()
            fixed += len(fixes) - len(keys)
        return fixed

    def _item(self, key: ReadingKey) -> Item | None:
        response = self.readings.call(
            "get_item", TableName=self.readings.table, Key=key_to_item(key), ConsistentRead=True
        )
        item: Item | None = response.get("Item")
        return item

    def _registered(self) -> set[str]:
        found: set[str] = set()
        after: str | None = None
        while True:
            entries, more = self.history.devices(after=after, first=100)
            found |= {e.device_id for e in entries}
            if not more or not entries:
                return found
            after = entries[-1].device_id

    # -- 2: a device, month by month -----------------------------------------------------------

    def _device(self, device_id: str, counts: dict[int | None, int]) -> tuple[int, int]:
        stored = {
            period.start
            for item in self.deriver.rollups.all_of_level(device_id, Level.MONTH)
            if (period := _period(item)) is not None
        }
        entry = self.deriver.rollups.get([registry_key(device_id)])
        head = head_of(entry[0]) if entry else None
        if head is not None:  # the month of the periods its registry entry holds
            stored.add(floor(Level.MONTH, head))
        months = sorted({m for m in counts if m is not None} | stored)
        written = 0
        for month in months:
            written += self._month(device_id, month, counts.get(month, 0))
            self.progress("month", 1)
        # The readings without a time, as the consumer recomputes them; this also settles the
        # registry entry of a device that has no readings left.
        written += self.deriver.recompute(DeviceWork(device_id, untimed=True))
        return len(months), written

    def _month(self, device_id: str, month: int, count: int) -> int:
        end = following(Level.MONTH, month)
        owed: set[str] = set()
        for _ in range(8):
            stored = self._stored(device_id, month, end)
            fresh = self._fresh(device_id, month, end, count)
            # Every stored rollup of the month is recomputed too (emptied if nothing is left
            # in it): each one's start is the start of a 5-minute period of it.
            starts = {p.start for p in fresh if p is not None}
            starts |= {
                p.start for k in stored if (p := _period_of_key(k)) and month <= p.start < end
            }
            head = head_of(stored.get(REGISTRY))  # its periods are recomputed too
            starts |= {head} if head is not None and month <= head < end else set()
            for start in starts:
                fresh.setdefault(Period(FIVE, start), Rollup())
            writes = plan_writes(device_id, starts, stored, fresh, owed)
            try:
                self.deriver.rollups.write(writes)
            except ConflictError:
                owed |= written_keys(writes)  # what was written is owed its parents' writes
                continue  # the consumer wrote meanwhile: read again
            return len(writes)
        raise ConflictError(f"device {device_id!r}: its rollups kept changing")

    def _stored(self, device_id: str, month: int, end: int) -> dict[str, Item]:
        """The month's stored rollups and all they add up to, each parent read before its
        children (gql/store/rollupcache.py says why)."""
        rollups = self.deriver.rollups
        found: dict[str, Item] = {}
        for item in rollups.get([rollup_key(device_id, None), registry_key(device_id)]):
            found[NONE if item["sk"]["S"] == NONE else REGISTRY] = item
        for item in rollups.all_of_level(device_id, Level.YEAR):
            found[item["sk"]["S"]] = item
        year = floor(Level.YEAR, month)
        ranges = [(Level.MONTH, year, following(Level.YEAR, year))]
        ranges += [(Level.DAY, month, end), (Level.HOUR, month, end), (FIVE, month, end)]
        head = head_of(found.get(REGISTRY))
        if head is not None and not month <= head < end:
            # The periods the registry entry holds: those the head leaves are written.
            for level in (Level.MONTH, Level.DAY, Level.HOUR, FIVE):
                above = floor(level.parent or level, head)
                ranges.append((level, above, following(level.parent or level, above)))
        ranges.sort(key=lambda r: -LEVELS.index(r[0]))  # each parent before its children
        for level, start, stop in ranges:
            low, high = level_bounds(level, start, stop)
            for item in rollups.query(
                "pk = :d AND sk BETWEEN :a AND :b",
                {":d": {"S": device_id}, ":a": {"S": low}, ":b": {"S": high}},
            ):
                found[item["sk"]["S"]] = item
        return found

    def _fresh(
        self, device_id: str, month: int, end: int, count: int
    ) -> dict[Period | None, Rollup]:
        for wait in range(MAX_WAITS + 1):
            groups: dict[Period, list[Reading]] = {}
            for reading in self._month_readings(device_id, month, end):
                seconds = recorded_seconds(reading.info.info_timestamp)
                if seconds is not None and month <= seconds < end:
                    groups.setdefault(Period(FINEST, floor(FINEST, seconds)), []).append(reading)
            found = sum(len(g) for g in groups.values())
            if found == count or wait == MAX_WAITS:
                if found != count:
                    log.warning(
                        "rebuild: device %r, month starting %d: the index holds %d readings, "
                        "%d were counted (written meanwhile?)",
                        device_id,
                        month,
                        found,
                        count,
                    )
                fresh: dict[Period | None, Rollup] = {
                    period: rollup_of(readings) for period, readings in groups.items()
                }
                return fresh
            self._sleep(min(0.1 * 2**wait, 2.0))
        raise AssertionError("unreachable")

    def _month_readings(self, device_id: str, month: int, end: int) -> Iterator[Reading]:
        return self.deriver.index_readings(device_id, month, end, SLICES)


def _period(item: Item) -> Period | None:
    return _period_of_key(item["sk"]["S"])


def _period_of_key(sort_key: str) -> Period | None:
    return None if sort_key == REGISTRY else period_of_sort_key(sort_key)
