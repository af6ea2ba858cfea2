"""A change as the text of a Redis stream entry, and back. Pure.

The entry carries everything `readingChanges` shows, so that a replica reading the relay
delivers the very `ReadingChange` a replica reading DynamoDB Streams would: kind, key, both
images, changedAt and the stream's sequence number. Temperatures travel as decimal strings,
so a legacy string temperature the store already read as a number ("23.74") stays exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from gql.models import Change, ChangeKind, Reading, ReadingInfo, ReadingKey

TEMPERATURES = ("temperature1", "temperature2", "temperature3", "temperature4", "temperature5")


def change_to_text(change: Change) -> bytes:
    return orjson.dumps(
        {
            "k": change.kind.value,
            "d": change.key.device_id,
            "n": change.key.datacount,
            "new": _reading_to_json(change.new),
            "old": _reading_to_json(change.old),
            "at": change.changed_at,
            "seq": change.sequence,
        }
    )


def change_from_text(text: bytes | str) -> Change:
    """The change of an entry; ValueError (or KeyError, TypeError) when it is not one."""
    data = orjson.loads(text)
    return Change(
        kind=ChangeKind(data["k"]),
        key=ReadingKey(_text(data["d"]), _whole(data["n"])),
        new=_reading_from_json(data["new"]),
        old=_reading_from_json(data["old"]),
        changed_at=float(data["at"]),
        sequence=_text(data["seq"]),
    )


def token(change: Change) -> str:
    """What makes a change itself, not its copy: the reading and DynamoDB's sequence number
    (unique within a shard, and a reading's changes are in one shard at a time)."""
    return f"{change.sequence} {change.key.datacount} {change.key.device_id}"


def _reading_to_json(reading: Reading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    info: dict[str, Any] = {"ts": reading.info.info_timestamp}
    for name in TEMPERATURES:
        value = getattr(reading.info, name)
        if value is not None:
            info[name] = str(value)
    return {"d": reading.device_id, "n": reading.datacount, "v": reading.version, "i": info}


def _reading_from_json(data: Any) -> Reading | None:
    if data is None:
        return None
    info = data["i"]
    temperatures = {
        name: Decimal(_text(info[name])) for name in TEMPERATURES if info.get(name) is not None
    }
    version = data.get("v")
    return Reading(
        device_id=_text(data["d"]),
        datacount=_whole(data["n"]),
        info=ReadingInfo(info_timestamp=_text(info["ts"]), **temperatures),
        version=None if version is None else _whole(version),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _whole(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {type(value).__name__}")
    return value
