"""What a consumer knows of the stored rollups of the devices it derives.

A recomputation reads the rollups it combines (gql/store/derivation.py). A consumer that keeps
deriving the same devices would read the same items batch after batch, so they are kept here
once read, and kept up to date with its own writes.

Why every parent stays exact with several writers at once (consumers, Lambda invocations on
several shards, a rebuild): every write is conditional on the version read (a random number,
gql/store/rolluptable.py), every write of a child is followed by a write of its parent by the
same writer (gql/store/rollupplan.py), and a parent's version is always read before its
children (registry, years, months, days, hours, then 5-minute periods; kept items were read
that way or written by this consumer). So the last write of a parent is that of a writer who
read its version after every other writer's parent write, hence after their child writes, and
read the children after that: it combined every child as it is. The periods a registry entry
holds (gql/store/rollupplan.py) are written with it, so they are parents and children read
and written at once. Another writer's parent write
in between makes the write fail; the device is then forgotten here and read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from gql.history import LEVELS, Level, floor
from gql.store.historycodec import NONE, Item, head_of, registry_key, rollup_key
from gql.store.rolluptable import RollupTable, Write

REGISTRY = "registry"  # where the registry entry is kept among a device's rollups


@dataclass
class _Known:
    items: dict[str, Item] = field(default_factory=dict)
    parents: set[tuple[Level, int]] = field(default_factory=set)  # children all in items
    years: bool = False
    extras: bool = False  # the rollup of the readings without a time, and the registry entry


class StoredRollups:
    def __init__(self, rollups: RollupTable, *, devices: int = 1000, items: int = 2000) -> None:
        self.rollups = rollups
        self._devices = devices
        self._items = items
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, device_id: str, fives: set[int], *, fresh: bool = False) -> dict[str, Item]:
        """The stored rollups that recomputing these 5-minute periods combines or replaces:
        the registry entry (under REGISTRY), the readings without a time, every year, and the
        periods of each level inside the touched ones of the level above, coarsest first (the
        periods of the entry's head count as touched)."""
        known = _Known() if fresh else self._take(device_id)
        if not known.extras:
            for item in self.rollups.get([registry_key(device_id), rollup_key(device_id, None)]):
                known.items[NONE if item["sk"]["S"] == NONE else REGISTRY] = item
            known.extras = True
        if not known.years:
            for item in self.rollups.all_of_level(device_id, Level.YEAR):
                known.items[item["sk"]["S"]] = item
            known.years = True
        touched: list[tuple[Level, set[int]]] = []
        # The periods the entry holds are read too: those the head leaves are written.
        head = head_of(known.items.get(REGISTRY))
        starts = set(fives) | ({head} if head is not None else set())
        for level in LEVELS[1:]:
            starts = {floor(level, s) for s in starts}
            touched.append((level, starts))
        for level, parents in reversed(touched):  # months of the years first, 5 minutes last
            missing = {p for p in parents if (level, p) not in known.parents}
            for item in self.rollups.children_of(device_id, level, missing, gap=2):
                known.items[item["sk"]["S"]] = item
            known.parents |= {(level, p) for p in missing}
        self._keep(device_id, known)
        return dict(known.items)

    def written(self, device_id: str, writes: list[Write]) -> None:
        """These writes succeeded: what they wrote is what is stored now."""
        with self._lock:
            known = self._known.get(device_id)
            if known is None:
                return
            for write in writes:  # an emptied rollup too: it is kept, with its version
                name = REGISTRY if write.extra is not None else write.key["sk"]["S"]
                known.items[name] = write.item()

    def forget(self, device_id: str) -> None:
        with self._lock:
            self._known.pop(device_id, None)

    def _take(self, device_id: str) -> _Known:
        with self._lock:
            known = self._known.pop(device_id, None)
        return known if known is not None else _Known()

    def _keep(self, device_id: str, known: _Known) -> None:
        if len(known.items) > self._items:
            return  # a device with that much history is read each time instead
        with self._lock:
            self._known[device_id] = known
            while len(self._known) > self._devices:
                self._known.popitem(last=False)
