"""What `gql table describe` tells of the readings table and the history table."""

from __future__ import annotations

from dataclasses import dataclass

from gql.store.timeindex import INDEX

# Live changes need both images: the old one for deletes, the new one for filters on writes.
STREAM_VIEW = "NEW_AND_OLD_IMAGES"


@dataclass(frozen=True)
class TableInfo:
    name: str
    status: str
    item_count: int
    key_schema: str
    billing: str
    stream_view: str | None = None  # None: the stream is off
    stream_arn: str | None = None
    index: str | None = None  # the time index's status (ACTIVE, CREATING...); None: none

    def lines(self) -> list[str]:
        return [
            f"table:      {self.name}",
            f"status:     {self.status}",
            f"items:      {self.item_count} (DynamoDB refreshes this count about every 6 hours)",
            f"key schema: {self.key_schema}",
            f"billing:    {self.billing}",
            *self.stream_lines(),
            self.index_line(),
        ]

    def index_line(self) -> str:
        if self.index is None:
            return "time index: none (recordedAt windows read whole devices: gql table index on)"
        return f"time index: {INDEX} (device_id, recorded_at), {self.index}"

    def stream_lines(self) -> list[str]:
        if self.stream_view is None:
            return ["stream:     off (live changes need it: gql table stream on)"]
        line = f"stream:     on, {self.stream_view}"
        if self.stream_view != STREAM_VIEW:
            line += f" (live changes need {STREAM_VIEW}: gql table stream on)"
        return [line, f"stream arn: {self.stream_arn}"]


@dataclass(frozen=True)
class HistoryInfo:
    name: str
    status: str  # ACTIVE..., or "missing"
    item_count: int = 0

    def lines(self) -> list[str]:
        if self.status == "missing":
            return [f"history:    {self.name} does not exist (gql table create makes it)"]
        return [f"history:    {self.name}, {self.status}, {self.item_count} items"]
