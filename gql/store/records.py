"""DynamoDB stream records -> models.Change. Pure.

Images go through the same codec as reads (codec.from_item), so a temperature the tutorial's
create_item.py wrote as a string ("23.74") arrives as the number it is.

A change that only set or corrected the time-index attribute (gql/store/timeindex.py) is no
change of the reading: `StreamRecord.index_only` says so, and readers of changes drop it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from gql.models import Change, ChangeKind
from gql.store.codec import from_item, key_from_item
from gql.store.timeindex import IndexFix, fix_for, index_only


@dataclass(frozen=True)
class StreamRecord:
    """A change as the consumer needs it: with what its new image's time index lacks."""

    change: Change
    fix: IndexFix | None  # the new image's recorded_at is missing or wrong
    index_only: bool  # only recorded_at changed: not a change of the reading


def record_of(record: Mapping[str, Any]) -> StreamRecord:
    """A GetRecords (or Lambda) record; KeyError/ValueError/TypeError when it is not a reading's."""
    change = change_from_record(record)
    data = record["dynamodb"]
    new, old = data.get("NewImage"), data.get("OldImage")
    return StreamRecord(change, fix_for(change.key, new), index_only(old, new))


def change_from_record(record: Mapping[str, Any]) -> Change:
    """One GetRecords record as a change; KeyError/ValueError when it is not a reading's."""
    data = record["dynamodb"]
    new = data.get("NewImage")
    old = data.get("OldImage")
    return Change(
        kind=ChangeKind(record["eventName"]),
        key=key_from_item(data["Keys"]),
        new=from_item(new) if new else None,
        old=from_item(old) if old else None,
        changed_at=_epoch_seconds(data.get("ApproximateCreationDateTime")),
        sequence=str(data.get("SequenceNumber", "")),
    )


def _epoch_seconds(value: object) -> float:
    # botocore parses the timestamp into an aware datetime; a raw record (a test's, or one
    # passed along as JSON) has epoch seconds. DynamoDB Local rounds it down to the minute.
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float | Decimal | str):
        return float(value)
    return 0.0
