"""What a consumer knows of the stored rollups of the devices it derives.

A recomputation reads the rollups it combines (gql/store/derivation.py). A consumer that keeps
deriving the same devices would read the same items batch after batch, so they are kept here
once read, and kept up to date with its own writes.

Why every parent stays exact with several writers at once (consumers, Lambda invocations on
several shards, a rebuild): every write is conditional on the version read (a random number,
gql/store/rolluptable.py), and a recomputation reads the device's registry entry before any of
its rollups and, whenever it writes anything, writes the entry last (gql/store/rollupplan.py).
So when a recomputation's entry write succeeds, no other writer's did between its read of the
entry and that write: every writer whose entry write came before had written its rollups
before this one read any, and every later one read the entry after it and recomputes what it
changed. The order in which the rollups themselves are read does not matter. A writer that
gave up between its rollups and its entry owes its parents a write (derivation.py); another
writer's entry or rollup write in between makes the write fail, and the device is then
forgotten here and read again. Kept items were read after the entry kept with them, or
written by this consumer.

A device without a registry entry has no rollups but those of a writer that never finished:
its whole partition is read in one Query, not a Query per level.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from gql.history import LEVELS, Level, floor
from gql.store.historycodec import META, NONE, Item, head_of, registry_key, rollup_key
from gql.store.rolluptable import RollupTable, Write

REGISTRY = "registry"  # where the registry entry is kept among a device's rollups
WHOLE_MOST = 100  # rollups of a device without an entry read at once (more: level by level)


@dataclass
class _Known:
    items: dict[str, Item] = field(default_factory=dict)
    parents: set[tuple[Level, int]] = field(default_factory=set)  # children all in items
    years: bool = False
    extras: bool = False  # the rollup of the readings without a time, and the registry entry
    whole: bool = False  # every rollup of the device was read at once


class StoredRollups:
    def __init__(self, rollups: RollupTable, *, devices: int = 1000, items: int = 2000) -> None:
        self.rollups = rollups
        self._devices = devices
        self._items = items
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, device_id: str, fives: set[int], *, fresh: bool = False) -> dict[str, Item]:
        """The stored rollups that recomputing these 5-minute periods combines or replaces:
        the registry entry (under REGISTRY) first, then the readings without a time, every
        year, and the periods of each level inside the touched ones of the level above (the
        periods of the entry's head count as touched)."""
        known = _Known() if fresh else self._take(device_id)
        if not known.extras:
            for item in self.rollups.get([registry_key(device_id), rollup_key(device_id, None)]):
                known.items[NONE if item["sk"]["S"] == NONE else REGISTRY] = item
            known.extras = True
        if REGISTRY not in known.items and not known.whole:
            found = self.rollups.whole_device(device_id, most=WHOLE_MOST)
            if found is not None:
                known.items.update((item["sk"]["S"], item) for item in found)
                known.whole = known.years = True
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
            if known.whole:  # every item of the device is known
                break
            missing = {p for p in parents if (level, p) not in known.parents}
            for item in self.rollups.children_of(device_id, level, missing, gap=2):
                known.items[item["sk"]["S"]] = item
            known.parents |= {(level, p) for p in missing}
        self._keep(device_id, known)
        return dict(known.items)

    def prefetch(self, device_ids: Iterable[str]) -> None:
        """Read the registry entries (and rollups without a time) of the devices not known
        here, in as few requests as BatchGetItem allows, before they are recomputed: a batch of
        a fleet seen for the first time would otherwise make one request a device for them."""
        with self._lock:
            missing = [d for d in dict.fromkeys(device_ids) if d not in self._known]
        if len(missing) < 2 or len(missing) > self._devices:
            return
        found = {device: _Known(extras=True) for device in missing}
        keys = [key for d in missing for key in (registry_key(d), rollup_key(d, None))]
        for item in self.rollups.get(keys):
            if item["pk"]["S"] == META:
                found[item["device"]["S"]].items[REGISTRY] = item
            else:
                found[item["pk"]["S"]].items[NONE] = item
        for device, known in found.items():
            self._keep(device, known)

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
