"""Which rollups a recomputation writes, given what is stored and what it recomputed. Pure.

The 5-minute periods (and the readings without a time) come recomputed from the index; each
coarser period is combined from its children, the registry entry from the years and the
readings without a time. A rollup is written when its value differs from the stored one, and
a parent also whenever one of its children is written (gql/store/rollupcache.py says why).

Where a rollup is stored: the periods that hold the device's head (its newest 5-minute period
derived, which only moves forward) are held in its registry entry (gql/store/historycodec.py),
every other period in an item of its own. A device reporting now thus costs one write, the
entry, whatever the number of levels. When the head moves, the periods it leaves are written
to their own items, before the entry that no longer holds them.
"""

from __future__ import annotations

from collections.abc import Iterable

from gql.history import LEVELS, Level, Period, Rollup, children, combine, floor
from gql.store.historycodec import (
    NONE,
    Item,
    chain,
    head_of,
    open_rollups,
    period_of_sort_key,
    rollup_from_item,
    rollup_sort_key,
)
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
    before. The registry entry, parent of the years and of the periods it holds, comes last."""
    touched = set(fives)
    forced = set(owed)
    entry = stored.get(REGISTRY)
    old_head = head_of(entry)
    held = {rollup_sort_key(p): r for p, r in open_rollups(entry).items()}
    head = max([*touched, *([old_head] if old_head is not None else [])], default=None)
    kept = chain(head) if head is not None else {}  # the periods the entry holds from now on
    leaving = {k: p for k in held if k not in kept and (p := period_of_sort_key(k)) is not None}
    values: dict[str, Rollup] = {rollup_sort_key(p): r for p, r in fresh.items()}
    periods: dict[str, Period | None] = {rollup_sort_key(p): p for p in fresh}
    periods.update(leaving)

    def own(sort_key: str) -> Rollup:
        item = stored.get(sort_key)
        return rollup_from_item(item) if item is not None else Rollup()

    def current(sort_key: str) -> Rollup:
        if sort_key in values:
            return values[sort_key]
        return held[sort_key] if sort_key in held else own(sort_key)

    writes: list[Write] = []

    def settle(sort_key: str, children: Iterable[str] = ()) -> None:
        pushed = sort_key in forced or bool(forced.intersection(children))
        if sort_key in kept:  # the entry holds it: written with the entry
            if pushed:
                forced.add(sort_key)
            return
        value = current(sort_key)
        if pushed or value != own(sort_key):
            forced.add(sort_key)
            writes.append(write_for(device, periods[sort_key], value, stored.get(sort_key)))

    finest = [k for k, p in leaving.items() if p.level is LEVELS[0]]
    for sort_key in dict.fromkeys([*values, *finest]):
        settle(sort_key)  # the 5-minute periods, and the readings without a time
    starts = touched
    for level in LEVELS[1:]:  # each level from its children, finest first
        parents = {floor(level, s) for s in starts}
        for start in sorted(parents):
            period = Period(level, start)
            sort_key = rollup_sort_key(period)
            periods[sort_key] = period
            values[sort_key] = combine(current(rollup_sort_key(c)) for c in children(period))
        # A period the head left is written as the entry held it, unless recomputed above.
        for sort_key in sorted(
            {rollup_sort_key(Period(level, s)) for s in parents}
            | {k for k, p in leaving.items() if p.level is level}
        ):
            whole = periods[sort_key]
            assert whole is not None
            settle(sort_key, [rollup_sort_key(c) for c in children(whole)])
        starts = parents
    years = {k for k in [*stored, *values, *held] if k.startswith(f"{Level.YEAR.value}#")}
    total = combine([*(current(k) for k in years), current(NONE)])
    opened = {period.level: current(k) for k, period in kept.items()}
    differs = (
        total != (rollup_from_item(entry) if entry is not None else Rollup())
        or head != old_head
        or {k: current(k) for k in kept} != held
    )
    if differs or forced:
        writes.append(registry_write(device, total, entry, head, opened))
    return writes


def written_keys(writes: Iterable[Write]) -> set[str]:
    """The sort keys of these writes as plan_writes names them (REGISTRY for the entry)."""
    return {REGISTRY if w.extra is not None else w.key["sk"]["S"] for w in writes}
