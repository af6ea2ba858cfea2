"""The time index: a global secondary index of the readings table on (device_id, recorded_at).

`recorded_at` is a top-level copy of info.info_timestamp as a number. The API writes it with
every reading; the consumer (gql/derive) adds or corrects it on readings written by anyone
else (the tutorial's put_item has never heard of it). A reading whose timestamp is not a time
gets NOT_A_TIME, below every time, so that every reading is in the index and those without a
time can be found there too, yet fall in no window.

DynamoDB numbers keep 38 significant digits: a longer timestamp is rounded to 38 for the
index. Windows are read through the index with inclusive key bounds and then checked against
the exact timestamp, so the rounding (which can only move a value onto a bound, never past
one: bounds have at most 18 digits) changes nothing that is returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from gql.history import recorded_seconds
from gql.models import ReadingKey

ATTRIBUTE = "recorded_at"
INDEX = "device_id-recorded_at-index"
NOT_A_TIME = Decimal(-(10**12))  # before year 1, the first time
_DIGITS = Context(prec=38)

INDEX_KEY_SCHEMA = [
    {"AttributeName": "device_id", "KeyType": "HASH"},
    {"AttributeName": ATTRIBUTE, "KeyType": "RANGE"},
]
INDEX_ATTRIBUTE = {"AttributeName": ATTRIBUTE, "AttributeType": "N"}


def index_value(timestamp: str) -> Decimal:
    """What recorded_at holds for a reading with this info_timestamp."""
    seconds = recorded_seconds(timestamp)
    return NOT_A_TIME if seconds is None else _DIGITS.plus(seconds)


def index_attribute(timestamp: str) -> dict[str, str]:
    return {"N": str(index_value(timestamp))}


def index_definition(throughput: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The GSI as CreateTable and UpdateTable take it; ALL: pages read through it whole."""
    definition: dict[str, Any] = {
        "IndexName": INDEX,
        "KeySchema": INDEX_KEY_SCHEMA,
        "Projection": {"ProjectionType": "ALL"},
    }
    if throughput is not None:
        definition["ProvisionedThroughput"] = dict(throughput)
    return definition


@dataclass(frozen=True)
class IndexFix:
    """A reading whose recorded_at is missing or wrong: the value it needs, and the timestamp
    attribute it was seen with (None: absent), which the correcting write is conditional on."""

    key: ReadingKey
    value: Decimal
    timestamp: dict[str, Any] | None


def stored_timestamp(item: Mapping[str, Any]) -> dict[str, Any] | None:
    info = item.get("info", {}).get("M")
    if not isinstance(info, dict):
        return None
    attribute = info.get("info_timestamp")
    return attribute if isinstance(attribute, dict) else None


def timestamp_text(attribute: Mapping[str, Any] | None) -> str:
    # As the codec reads it: a string, or a number written by another tool.
    if not attribute:
        return ""
    return str(attribute.get("S", attribute.get("N", "")))


def fix_for(key: ReadingKey, item: Mapping[str, Any] | None) -> IndexFix | None:
    """What an item (an image) needs for the index to be right; None when it is right."""
    if item is None:
        return None
    timestamp = stored_timestamp(item)
    wanted = index_value(timestamp_text(timestamp))
    stored = item.get(ATTRIBUTE, {})
    if isinstance(stored, dict) and "N" in stored and Decimal(stored["N"]) == wanted:
        return None
    return IndexFix(key, wanted, timestamp)


def index_only(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> bool:
    """Whether two images differ in recorded_at alone: no change of the reading itself."""
    if old is None or new is None:
        return False
    return {k: v for k, v in old.items() if k != ATTRIBUTE} == {
        k: v for k, v in new.items() if k != ATTRIBUTE
    }
