"""A device's rollups and registry entry recomputed from the time index (gql/derive's design).

`Deriver.recompute(work)`: the 5-minute periods a batch touched are recomputed from the
readings the index holds in them, coarser periods from their children, the registry entry from
the years and the readings without a time; whatever changed is written on condition that it is
as read (gql/store/rolluptable.py), or everything is read and recomputed again.

The index is eventually consistent. Before a recomputation is trusted, every reading the batch
changed must be seen in it as its newest image says (in the period its timestamp names, with
that info, or absent). A reading that is not yet so is read from the table itself: if the table
holds something else, a later change is on its way (and will recompute these periods again), so
it is not waited for; otherwise the index is read again after a pause.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from gql.errors import BackendUnavailableError, StoreError, ThrottledError
from gql.history import Level, Period, floor, recorded_seconds, rollup_of
from gql.models import Reading, ReadingKey
from gql.store.client import INDEX_MISSING, DynamoDB
from gql.store.codec import from_item, key_to_item
from gql.store.historycodec import Item
from gql.store.parallel import at_once
from gql.store.periodcache import PeriodCache
from gql.store.rollupcache import StoredRollups
from gql.store.rollupplan import Fresh, plan_writes, written_keys
from gql.store.rolluptable import ConflictError, RollupTable, runs
from gql.store.timeindex import INDEX, NOT_A_TIME

log = logging.getLogger("gql.derive")

FIVE = Level.FIVE_MINUTES
MAX_ATTEMPTS = 8  # recomputations of one device lost to concurrent writers before giving up
INDEX_LAG_SECONDS = 30.0  # how long the index may lag behind a change before the batch fails


@dataclass
class DeviceWork:
    """What a batch asks of one device: the periods it touched, and the newest image of each
    reading it changed (None: deleted), which the index must show before it is trusted."""

    device_id: str
    fives: set[int] = field(default_factory=set)  # starts of touched 5-minute periods
    untimed: bool = False  # readings whose timestamp is not a time were touched
    expected: dict[ReadingKey, Reading | None] = field(default_factory=dict)


@dataclass
class _Owed:
    """What a recomputation that gave up had written: the parents of those writes are owed
    one (gql/store/rollupplan.py), so the next recomputation of the device writes them."""

    fives: set[int]
    untimed: bool
    keys: set[str]


class Deriver:
    def __init__(
        self,
        readings: DynamoDB,
        history: DynamoDB,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        periods: PeriodCache | None = None,
    ) -> None:
        self.readings = readings
        self.periods = periods  # kept by a consumer that reads every shard (periodcache.py)
        self.rollups = RollupTable(history)
        self.stored = StoredRollups(self.rollups)
        self._sleep = sleep
        self._clock = clock
        self.conflicts = 0  # recomputations redone because another writer got there first
        self._owed: dict[str, _Owed] = {}
        self._lock = threading.Lock()

    def recompute(self, work: DeviceWork) -> int:
        """Recompute and write; returns how many items were written."""
        owed = self._take_owed(work)
        for attempt in range(MAX_ATTEMPTS):
            stored = self.stored.read(work.device_id, work.fives)
            fresh = self._fresh(work)
            writes = plan_writes(work.device_id, work.fives, stored, fresh, owed)
            try:
                self.rollups.write(writes)
            except ConflictError:
                # Some of these may have been written: their parents are owed a write.
                owed |= written_keys(writes)
                self.stored.forget(work.device_id)
                if self.periods is not None:  # read the index again, as the other writer did
                    self.periods.forget(work.device_id)
                self.conflicts += 1
                log.debug("device %s: rollups changed meanwhile; recomputing", work.device_id)
                self._sleep(min(0.02 * 2**attempt, 1.0) * (0.5 + random.random()))
                continue
            except BaseException:
                owed |= written_keys(writes)
                self._keep_owed(work, owed)
                self.stored.forget(work.device_id)  # some writes may have been made
                raise
            self.stored.written(work.device_id, writes)
            return len(writes)
        self._keep_owed(work, owed)
        raise ThrottledError(
            f"device {work.device_id!r}: its rollups kept changing while they were recomputed"
        )

    def _take_owed(self, work: DeviceWork) -> set[str]:
        """What an earlier recomputation of the device that failed left owing: its periods are
        recomputed again, and those writes made whatever they hold."""
        with self._lock:
            left = self._owed.pop(work.device_id, None)
        if left is None:
            return set()
        work.fives |= left.fives
        work.untimed |= left.untimed
        return set(left.keys)

    def _keep_owed(self, work: DeviceWork, owed: set[str]) -> None:
        with self._lock:
            self._owed[work.device_id] = _Owed(set(work.fives), work.untimed, owed)

    # -- what the index holds ----------------------------------------------------------------

    def _fresh(self, work: DeviceWork) -> Fresh:
        expected = dict(work.expected)
        deadline = self._clock() + INDEX_LAG_SECONDS
        checked_table = False
        pause = 0.05
        kept = self.periods.take(work.device_id, work.fives) if self.periods is not None else {}
        while True:
            groups = self._index(work, set(work.fives) - kept.keys())
            read = {p.start: r for p, r in groups.items() if p is not None}
            groups.update((Period(FIVE, start), readings) for start, readings in kept.items())
            lagging = [k for k, image in expected.items() if not _agrees(k, image, groups, work)]
            if not lagging:
                if self.periods is not None:
                    self.periods.keep(work.device_id, read)
                return {period: rollup_of(readings) for period, readings in groups.items()}
            if not checked_table:
                # Readings the table holds otherwise have a later change on its way.
                current = self._readings(lagging)
                for key in lagging:
                    if current.get(key) != _comparable(expected[key]):
                        del expected[key]
                checked_table = True
                continue
            if self._clock() > deadline:
                raise BackendUnavailableError(
                    f"the time index did not show {len(lagging)} change(s) of device "
                    f"{work.device_id!r} within {INDEX_LAG_SECONDS:g} s"
                )
            self._sleep(pause)
            pause = min(pause * 2, 1.0)

    def _index(self, work: DeviceWork, fives: set[int]) -> dict[Period | None, list[Reading]]:
        """The readings of these periods (and of the untimed ones the batch touched), as the
        index holds them, by their timestamp."""
        groups: dict[Period | None, list[Reading]] = {Period(FIVE, s): [] for s in fives}
        spans = runs(FIVE, fives, gap=6, most=8)
        # Inclusive of `end`: the readings are placed by their exact timestamp anyway.
        calls: list[Callable[[], list[Item]]] = [
            partial(self._index_run, work.device_id, Decimal(start), Decimal(end))
            for start, end in spans
        ]
        if work.untimed:
            calls.append(partial(self._index_run, work.device_id, NOT_A_TIME, NOT_A_TIME))
        found = at_once("history-read", calls)
        for (start, end), items in zip(spans, found[: len(spans)], strict=True):
            for item in items:
                reading = from_item(item)
                seconds = recorded_seconds(reading.info.info_timestamp)
                # A reading whose recorded_at is stale is not counted where it is stale: the
                # change that made it stale is in this batch or a later one.
                if seconds is not None and start <= seconds < end:
                    period = Period(FIVE, floor(FIVE, seconds))
                    if period in groups:
                        groups[period].append(reading)
        if work.untimed:
            groups[None] = [
                reading
                for item in found[-1]
                if recorded_seconds((reading := from_item(item)).info.info_timestamp) is None
            ]
        return groups

    def _index_run(self, device_id: str, low: Decimal, high: Decimal) -> list[Item]:
        return list(self.index_items(device_id, low, high))

    def index_items(self, device_id: str, low: Decimal, high: Decimal) -> Iterable[Item]:
        params: dict[str, Any] = {
            "TableName": self.readings.table,
            "IndexName": INDEX,
            "KeyConditionExpression": "device_id = :d AND recorded_at BETWEEN :a AND :b",
            "ExpressionAttributeValues": {
                ":d": {"S": device_id},
                ":a": {"N": str(low)},
                ":b": {"N": str(high)},
            },
        }
        while True:
            try:
                response = self.readings.call("query", **params)
            except StoreError as exc:
                if exc.reason != INDEX_MISSING:
                    raise
                raise StoreError(
                    f"table {self.readings.table!r} has no time index, or DynamoDB is still "
                    "building it: add it with `gql table index on`",
                    reason=exc.reason,
                ) from exc
            yield from response.get("Items", [])
            start_key = response.get("LastEvaluatedKey")
            if start_key is None:
                return
            params["ExclusiveStartKey"] = start_key

    def index_readings(self, device_id: str, low: int, high: int, slices: int) -> Iterator[Reading]:
        """The readings of [low, high] through the index, its `slices` slices of time read at
        once; a reading on the edge of two slices is read by both and given once."""
        edges = [low + (high - low) * i // slices for i in range(slices)] + [high]
        reads = [partial(self._index_slice, device_id, a, b) for a, b in itertools.pairwise(edges)]
        seen: set[ReadingKey] = set()
        for readings in at_once("index-read", reads):
            for reading in readings:
                if reading.key not in seen:
                    seen.add(reading.key)
                    yield reading

    def _index_slice(self, device_id: str, low: int, high: int) -> list[Reading]:
        return [
            from_item(item) for item in self.index_items(device_id, Decimal(low), Decimal(high))
        ]

    def _readings(self, keys: list[ReadingKey]) -> dict[ReadingKey, Reading]:
        """The readings as the table holds them now (consistent reads)."""
        found: dict[ReadingKey, Reading] = {}
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                self.readings.table: {
                    "Keys": [key_to_item(k) for k in keys[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            while request:
                response = self.readings.call("batch_get_item", RequestItems=request)
                for item in response.get("Responses", {}).get(self.readings.table, []):
                    reading = _comparable(from_item(item))
                    assert reading is not None
                    found[reading.key] = reading
                request = response.get("UnprocessedKeys") or {}
        return found


def _comparable(reading: Reading | None) -> Reading | None:
    # Rollups depend on the key and info only.
    return None if reading is None else Reading(reading.device_id, reading.datacount, reading.info)


def _agrees(
    key: ReadingKey,
    image: Reading | None,
    groups: dict[Period | None, list[Reading]],
    work: DeviceWork,
) -> bool:
    """Whether the index, in every touched period, shows the reading as its image says."""
    home: Period | str | None = "nowhere"
    if image is not None:
        seconds = recorded_seconds(image.info.info_timestamp)
        home = None if seconds is None else Period(FIVE, floor(FIVE, seconds))
    for period, readings in groups.items():
        seen = [r for r in readings if r.key == key]
        if period == home:
            assert image is not None
            if len(seen) != 1 or seen[0].info != image.info:
                return False
        elif seen:
            return False
    return True
