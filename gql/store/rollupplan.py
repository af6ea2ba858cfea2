"""Which rollups a recomputation writes, given what is stored and what it recomputed. Pure.

The 5-minute periods (and the readings without a time) come recomputed from the index; each
coarser period is combined from its children, the registry entry from the years and the
readings without a time. A rollup is written when its value differs from the stored one, and
a parent also whenever one of its children is written (gql/store/rollupcache.py says why).
"""

from __future__ import annotations

from collections.abc import Iterable

from gql.history import LEVELS, Level, Period, Rollup, children, combine, floor
from gql.store.historycodec import NONE, Item, rollup_from_item, rollup_sort_key
from gql.store.rollupcache import REGISTRY
from gql.store.rolluptable import Write, registry_write, write_for

Fresh = dict[Period | None, Rollup]  # None: the readings without a time


def plan_writes(
    device: str,
    fives: Iterable[int],
    stored: dict[str, Item],
    fresh: Fresh,
    owed: Iterable[str] = (),
) -> list[Write]:
    """The writes that make the stored rollups and registry entry what `fresh` implies.

    A rollup is written when its value differs; a parent also whenever one of its children is
    written, or when `owed` names it (a write of an earlier attempt left it owing one): its
    new version then makes a concurrent recomputation fail that combined the child as it was
    before."""
    forced = set(owed)
    values: dict[str, Rollup] = {rollup_sort_key(p): r for p, r in fresh.items()}
    periods: dict[str, Period | None] = {rollup_sort_key(p): p for p in fresh}

    def current(sort_key: str) -> Rollup:
        if sort_key in values:
            return values[sort_key]
        item = stored.get(sort_key)
        return rollup_from_item(item) if item is not None else Rollup()

    writes: list[Write] = []

    def write_if_needed(sort_key: str, children: Iterable[str] = ()) -> bool:
        item = stored.get(sort_key)
        rollup = values[sort_key]
        needed = rollup != (rollup_from_item(item) if item is not None else Rollup())
        if needed or sort_key in forced or forced.intersection(children):
            forced.add(sort_key)
            writes.append(write_for(device, periods[sort_key], rollup, item))
            return True
        return False

    for sort_key in list(values):  # the 5-minute periods, and the readings without a time
        write_if_needed(sort_key)
    starts = set(fives)
    for level in LEVELS[1:]:  # each level from its children, finest first
        parents = {floor(level, s) for s in starts}
        for start in sorted(parents):
            period = Period(level, start)
            keys = [rollup_sort_key(child) for child in children(period)]
            sort_key = rollup_sort_key(period)
            values[sort_key] = combine(current(k) for k in keys)
            periods[sort_key] = period
            write_if_needed(sort_key, keys)
        starts = parents
    years = {k for k in stored if k.startswith(f"{Level.YEAR.value}#")}
    years |= {k for k in values if k.startswith(f"{Level.YEAR.value}#")}
    total = combine([*(current(k) for k in years), current(NONE)])
    entry = stored.get(REGISTRY)
    differs = total != (rollup_from_item(entry) if entry is not None else Rollup())
    if differs or REGISTRY in forced or forced & (years | {NONE}):
        writes.append(registry_write(device, total, entry))
    return writes


def written_keys(writes: Iterable[Write]) -> set[str]:
    """The sort keys of these writes as plan_writes names them (REGISTRY for the entry)."""
    return {REGISTRY if w.extra is not None else w.key["sk"]["S"] for w in writes}
