"""The readings the history tests seed, as plain rows, and the figures expected of them.

Expected figures are worked out here in plain Python (Fraction for means), from the rows the
tests wrote, never by gql's own aggregation. Items are written with plain boto3, so legacy
items (temperatures as strings, odd timestamps) are exactly what the tutorial's scripts or
another tool would leave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T0 = 1_612_519_200  # 2021-02-05T10:00:00Z
# The history tests run on each backend twice: reading the readings themselves (round 2), and
# with the derived history (rollups, registry, time index) rebuilt from them.
HISTORY_APIS = ["moto", "dynamodb-local", "moto+derived", "dynamodb-local+derived"]
TEMPERATURES = [f"temperature{n}" for n in range(1, 6)]


@dataclass(frozen=True)
class Row:
    device: str
    datacount: int
    timestamp: str | None  # None: no info_timestamp attribute at all
    temperatures: dict[str, str]  # name -> the number as text
    legacy: bool = False  # temperatures stored as strings, no version

    def item(self) -> dict[str, Any]:
        kind = "S" if self.legacy else "N"
        info: dict[str, Any] = {k: {kind: v} for k, v in self.temperatures.items()}
        if self.timestamp is not None:
            info["info_timestamp"] = {"S": self.timestamp}
        item: dict[str, Any] = {
            "device_id": {"S": self.device},
            "datacount": {"N": str(self.datacount)},
            "info": {"M": info},
        }
        if not self.legacy:
            item["version"] = {"N": "1"}
        return item

    @property
    def seconds(self) -> Fraction | None:
        """The time of the reading; None when its timestamp is not one (not a number, or past
        what a DateTime names: years 1 to 9999)."""
        seconds = number(self.timestamp or "")
        if seconds is None or not -62_135_596_800 <= seconds < 253_402_300_800:
            return None
        return seconds


def write(client: DynamoDBClient, table: str, rows: Iterable[Row]) -> None:
    rows = list(rows)
    for start in range(0, len(rows), 25):
        chunk = [{"PutRequest": {"Item": row.item()}} for row in rows[start : start + 25]]
        client.batch_write_item(RequestItems={table: chunk})  # type: ignore[dict-item]


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def in_window(row: Row, start: float | None, end: float | None) -> bool:
    seconds = row.seconds
    if seconds is None:
        return False
    return (start is None or seconds >= Fraction(start)) and (end is None or seconds < end)


def number(text: str) -> Fraction | None:
    try:
        return Fraction(Decimal(text.strip()))
    except (ArithmeticError, ValueError):
        return None


def field_stats(rows: list[Row], name: str) -> dict[str, Any]:
    found = [number(r.temperatures[name]) for r in rows if name in r.temperatures]
    values = [v for v in found if v is not None]
    if not values:
        return {"count": 0, "min": None, "max": None, "avg": None}
    return {
        "count": len(values),
        "min": float(min(values)),
        "max": float(max(values)),
        "avg": float(sum(values) / len(values)),
    }


def figures(rows: list[Row]) -> dict[str, Any]:
    """count and temperature1..5 as the API answers them."""
    return {"count": len(rows), **{name: field_stats(rows, name) for name in TEMPERATURES}}


FIELD = "{ count min max avg }"
FIGURES = "count " + " ".join(f"{name} {FIELD}" for name in TEMPERATURES)
