"""Items of the history table <-> rollups, registry entries, statuses and checkpoints. Pure.

The layout (gql/derive/__init__.py has the whole design):

    pk = device id, sk = "<level>#<start>" or "none"   a rollup of one device and period
    pk = "#", sk = "r#<device id>"                      the registry entry of a device, and
                                                        its open periods (below)
    pk = "#", sk = "s#<reporter>"                       a consumer's status
    pk = "#", sk = "c#<stream arn>#<shard id>"          a shard's checkpoint

A period's start is offset by 10^11 seconds and written with 12 digits, so that the sort keys
of one level sort as the times do (years 1 to 9999 all fit). Rollup sort keys begin with a
digit or "none", those of the "#" partition with a letter: a device named "#" shares nothing.
Decimals (sums, extremes, times) are stored as strings, so that none is rounded to DynamoDB's
38 digits; counts and datacounts as numbers.

Open periods: the rollups of the periods of every level that hold a device's newest 5-minute
period (its head, attribute "head") live in its registry entry (map "open", by level), not in
items of their own: a device reporting now changes only those, so deriving it writes one item,
not one per level. Such a period's own item, if any, is stale and ignored; once the head moves
past it, it is written (gql/store/rollupplan.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from gql.history import LEVELS, FieldFigures, Level, Period, Rollup, floor

META = "#"
NONE = "none"  # the sort key of the rollup of readings whose timestamp is not a time
_OFFSET = 10**11
_SORT_KEY_BYTES = 1024  # DynamoDB's limit for a sort key value

Item = dict[str, Any]


def rollup_sort_key(period: Period | None) -> str:
    if period is None:
        return NONE
    return f"{period.level.value}#{period.start + _OFFSET:012d}"


def level_bounds(level: Level, start: int, end: int) -> tuple[str, str]:
    """Sort keys for BETWEEN that take the periods of `level` starting in [start, end)."""
    return (
        rollup_sort_key(Period(level, start)),
        rollup_sort_key(Period(level, end - 1)),
    )


def period_of_sort_key(sort_key: str) -> Period | None:
    if sort_key == NONE:
        return None
    level, _, start = sort_key.partition("#")
    return Period(Level(level), int(start) - _OFFSET)


def rollup_key(device_id: str, period: Period | None) -> Item:
    return {"pk": {"S": device_id}, "sk": {"S": rollup_sort_key(period)}}


def registry_sort_key(device_id: str) -> str:
    """The registry entry's sort key: "r#" and the id, which sorts devices by id. An id too
    long for a sort key keeps a prefix and a digest of the whole (it sorts by the prefix)."""
    key = f"r#{device_id}"
    if len(key.encode()) <= _SORT_KEY_BYTES:
        return key
    digest = hashlib.sha256(device_id.encode()).hexdigest()
    prefix = key.encode()[: _SORT_KEY_BYTES - 80].decode(errors="ignore")
    return f"{prefix}~{digest}"


def registry_key(device_id: str) -> Item:
    return {"pk": {"S": META}, "sk": {"S": registry_sort_key(device_id)}}


# -- rollups -------------------------------------------------------------------------------


def rollup_attributes(rollup: Rollup) -> Item:
    """The attributes that hold a rollup (without key or version)."""
    item: Item = {"n": {"N": str(rollup.count)}}
    for name, value in (("lo", rollup.lowest), ("hi", rollup.highest)):
        if value is not None:
            item[name] = {"N": str(value)}
    for name, moment in (("t0", rollup.earliest), ("t1", rollup.latest)):
        if moment is not None:
            item[name] = {"S": str(moment)}
    for number, figures in enumerate(rollup.fields, start=1):
        if not figures.count:
            continue
        assert figures.min is not None
        assert figures.max is not None
        item[f"c{number}"] = {"N": str(figures.count)}
        item[f"s{number}"] = {"S": str(figures.total)}
        item[f"m{number}"] = {"S": str(figures.min)}
        item[f"x{number}"] = {"S": str(figures.max)}
    return item


def rollup_from_item(item: Mapping[str, Any]) -> Rollup:
    fields = []
    for number in range(1, len(Rollup().fields) + 1):
        if f"c{number}" not in item:
            fields.append(FieldFigures())
            continue
        fields.append(
            FieldFigures(
                count=int(item[f"c{number}"]["N"]),
                min=Decimal(item[f"m{number}"]["S"]),
                max=Decimal(item[f"x{number}"]["S"]),
                total=_total(item[f"s{number}"]["S"]),
            )
        )
    return Rollup(
        count=int(item["n"]["N"]),
        lowest=_integer(item.get("lo")),
        highest=_integer(item.get("hi")),
        earliest=_decimal(item.get("t0")),
        latest=_decimal(item.get("t1")),
        fields=tuple(fields),
    )


def head_of(entry: Mapping[str, Any] | None) -> int | None:
    """The start of the 5-minute period whose periods a registry entry holds; None: none."""
    if entry is None or "head" not in entry:
        return None
    return int(entry["head"]["N"])


def chain(head: int) -> dict[str, Period]:
    """The periods, by sort key, that hold the 5-minute period starting at `head`."""
    periods = (Period(level, floor(level, head)) for level in LEVELS)
    return {rollup_sort_key(period): period for period in periods}


def open_rollups(entry: Mapping[str, Any] | None) -> dict[Period, Rollup]:
    """The rollups of the open periods a registry entry holds, by period."""
    head = head_of(entry)
    if entry is None or head is None:
        return {}
    held = entry.get("open", {}).get("M", {})
    return {
        period: rollup_from_item(held[period.level.value]["M"])
        for period in chain(head).values()
        if period.level.value in held
    }


def open_attributes(head: int, rollups: Mapping[Level, Rollup]) -> Item:
    """The attributes of a registry entry that hold its open periods."""
    levels = {level.value: {"M": rollup_attributes(r)} for level, r in rollups.items()}
    return {"head": {"N": str(head)}, "open": {"M": levels}}


def version_of(item: Mapping[str, Any] | None) -> int:
    """The item's version; 0 for an item that does not exist."""
    if item is None:
        return 0
    return int(item.get("v", {}).get("N", "0"))


def _total(text: str) -> Decimal | Fraction:
    # A sum beyond SUM_DIGITS digits is kept as a fraction (gql/history/aggregates.py).
    return Fraction(text) if "/" in text else Decimal(text)


def _integer(attribute: Mapping[str, str] | None) -> int | None:
    return None if attribute is None else int(attribute["N"])


def _decimal(attribute: Mapping[str, str] | None) -> Decimal | None:
    return None if attribute is None else Decimal(attribute["S"])


# -- registry, status, checkpoints ---------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A device of the registry: its total over every reading."""

    device_id: str
    total: Rollup
    open: Mapping[Period, Rollup] = field(default_factory=dict)  # when asked for


def entry_from_item(item: Mapping[str, Any], *, with_open: bool = False) -> Entry:
    held = open_rollups(item) if with_open else {}
    return Entry(item["device"]["S"], rollup_from_item(item), held)


@dataclass(frozen=True)
class Status:
    """What a consumer last reported."""

    reporter: str  # derive, serve, embedded, lambda, rebuild
    up_to: float | None  # epoch seconds; None: nothing is known to be reflected yet
    backlog: int
    reported_at: float
    consuming: bool  # a consumer (not a rebuild)


def status_to_item(status: Status) -> Item:
    item: Item = {
        "pk": {"S": META},
        "sk": {"S": f"s#{status.reporter}"},
        "backlog": {"N": str(status.backlog)},
        "at": {"N": repr(status.reported_at)},
        "consuming": {"BOOL": status.consuming},
    }
    if status.up_to is not None:
        item["up"] = {"N": repr(status.up_to)}
    return item


def status_from_item(item: Mapping[str, Any]) -> Status:
    up = item.get("up")
    return Status(
        reporter=item["sk"]["S"].removeprefix("s#"),
        up_to=float(up["N"]) if up else None,
        backlog=int(item["backlog"]["N"]),
        reported_at=float(item["at"]["N"]),
        consuming=bool(item["consuming"]["BOOL"]),
    )
