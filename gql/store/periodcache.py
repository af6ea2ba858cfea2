"""The readings of recently derived 5-minute periods, kept by a consumer that reads every shard.

A recomputation reads each touched 5-minute period's readings from the time index
(gql/store/derivation.py). For a fleet reporting now, that is the same period read again on
every step: at 2 readings a second a device's period holds up to 600, read whole each time.
A consumer that reads the whole stream (`gql derive`, `gql serve --derive`) sees every change
of every reading, in order for each reading, so once it has read a period it can apply each
change's images to it and skip the Query next time.

Why it stays exact: a period is kept only from an index read that a recomputation trusted
(every reading its batch changed seen as the newest image says, derivation.py); every later
change whose old or new image lies in a kept period is applied to it, in stream order, before
the recomputation that follows. So a kept period is the index read with every later change
applied: what the index itself converges to. What could break the chain forgets instead: a
rewind of the feed (a batch read again, perhaps cut differently), a gap in the stream, a
recomputation that lost to another writer (its device), and age (a period is read again from
the index at least every MAX_AGE_SECONDS). Lambda keeps none: an invocation sees one shard.
The readings without a time are always read from the index (they are rare).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from gql.history import FINEST, floor, recorded_seconds
from gql.models import Reading
from gql.store.records import StreamRecord

MAX_AGE_SECONDS = 120.0
MAX_READINGS = 100_000  # about 70 MB
NOWHERE = ("", -1)  # no period is kept under it


@dataclass
class _Kept:
    readings: dict[int, Reading]  # by datacount
    read_at: float


class PeriodCache:
    def __init__(
        self,
        *,
        max_readings: int = MAX_READINGS,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_readings = max_readings
        self.max_age = max_age
        self._clock = clock
        self._kept: OrderedDict[tuple[str, int], _Kept] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0  # periods answered from here instead of the index
        self.misses = 0

    def apply(self, records: Sequence[StreamRecord]) -> None:
        """Every change, in order, to the kept periods its images lie in."""
        with self._lock:
            for record in records:
                if record.index_only:
                    continue
                change = record.change
                kept = self._kept.get(_where(change.old))
                if kept is not None and change.key.datacount in kept.readings:
                    del kept.readings[change.key.datacount]
                    self._size -= 1
                kept = self._kept.get(_where(change.new))
                if kept is not None and change.new is not None:
                    self._size += change.key.datacount not in kept.readings
                    kept.readings[change.key.datacount] = change.new

    def take(self, device_id: str, starts: Iterable[int]) -> dict[int, list[Reading]]:
        """The readings of those of these periods that are kept (and young enough)."""
        found: dict[int, list[Reading]] = {}
        oldest = self._clock() - self.max_age
        with self._lock:
            for start in starts:
                kept = self._kept.get((device_id, start))
                if kept is None or kept.read_at < oldest:
                    self.misses += 1
                    continue
                self._kept.move_to_end((device_id, start))
                found[start] = list(kept.readings.values())
                self.hits += 1
        return found

    def keep(self, device_id: str, periods: Mapping[int, list[Reading]]) -> None:
        """Periods just read from the index and trusted."""
        now = self._clock()
        with self._lock:
            for start, readings in periods.items():
                old = self._kept.pop((device_id, start), None)
                self._size -= len(old.readings) if old is not None else 0
                self._kept[(device_id, start)] = _Kept({r.datacount: r for r in readings}, now)
                self._size += len(readings)
            while self._size > self.max_readings and self._kept:
                _, evicted = self._kept.popitem(last=False)
                self._size -= len(evicted.readings)

    def forget(self, device_id: str | None = None) -> None:
        """Forget one device's periods, or all of them."""
        with self._lock:
            if device_id is None:
                self._kept.clear()
                self._size = 0
                return
            for where in [w for w in self._kept if w[0] == device_id]:
                self._size -= len(self._kept.pop(where).readings)

    @property
    def size(self) -> int:
        """How many readings are kept (not __len__: an empty cache is still a cache)."""
        return self._size


def _where(reading: Reading | None) -> tuple[str, int]:
    """The kept period a reading image lies in, if it is a timed one."""
    if reading is None:
        return NOWHERE
    seconds = recorded_seconds(reading.info.info_timestamp)
    return NOWHERE if seconds is None else (reading.device_id, floor(FINEST, seconds))
