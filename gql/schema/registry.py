"""Query.devices and Query.history, read from the history table (gql/derive keeps it).

Plain values in and out: the output types (gql/schema/types.py, values.py) are built from them.
A devices cursor names the last device of its page; it is signed and bound to the field like
every other cursor (its datacount is always 0).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from gql.cursor import scope_of
from gql.errors import BackendUnavailableError, TableNotFoundError
from gql.models import ReadingKey
from gql.schema import inputs
from gql.schema.context import Context
from gql.schema.values import moment
from gql.store import Entry, HistoryTable, Status

DEVICES_SCOPE = scope_of("devices", [])


@dataclass(frozen=True)
class DeviceListing:
    entries: list[Entry]
    more: bool
    resumed: bool


@dataclass(frozen=True)
class Report:
    up_to: datetime | None
    backlog: int
    consuming: bool


def cursor_key(device_id: str) -> ReadingKey:
    return ReadingKey(device_id, 0)


def _table(context: Context) -> HistoryTable:
    history = context.services.history
    if history is None:
        raise BackendUnavailableError("this server keeps no device registry")
    return history


def _missing(context: Context, exc: TableNotFoundError) -> BackendUnavailableError:
    name = _table(context).db.table
    error = BackendUnavailableError(
        f"the device registry (table {name}) does not exist: create it with `gql table create`"
    )
    error.__cause__ = exc
    return error


async def device_listing(context: Context, *, first: int, after: str | None) -> DeviceListing:
    size = inputs.page_size(first)
    start = context.services.cursors.decode(after, DEVICES_SCOPE) if after is not None else None
    history = _table(context)
    try:
        entries, more = await context.run(
            history.devices, after=start.device_id if start else None, first=size
        )
    except TableNotFoundError as exc:
        raise _missing(context, exc) from exc
    return DeviceListing(entries, more, after is not None)


async def history_report(context: Context) -> Report:
    try:
        statuses = await context.run(_table(context).statuses)
    except TableNotFoundError:
        statuses = []
    return summarize(statuses, time.time(), context.services.history_stale_seconds)


def summarize(statuses: list[Status], now: float, stale_seconds: float) -> Report:
    """upTo: the furthest any reporter (a consumer, a rebuild) got, as it stays true once said;
    backlog: that reporter's; consuming: a consumer reported within `stale_seconds`."""
    consuming = any(s.consuming and now - s.reported_at <= stale_seconds for s in statuses)
    known = [s for s in statuses if s.up_to is not None]
    if not known:
        backlog = min((s.backlog for s in statuses), default=0)
        return Report(None, backlog, consuming)
    best = max(known, key=lambda s: (s.up_to or 0.0, s.reported_at))
    assert best.up_to is not None
    return Report(moment(best.up_to), best.backlog, consuming)
