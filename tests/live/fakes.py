"""A hand-written ChangeSource for the hub's tests: scripted polls, counted calls."""

from __future__ import annotations

import threading
from collections import deque
from decimal import Decimal

from gql.models import Change, ChangeKind, Reading, ReadingInfo, ReadingKey


def change(
    device_id: str = "d",
    datacount: int = 1,
    kind: ChangeKind = ChangeKind.INSERT,
    *,
    t1: str | None = "20",
    at: float = 1_700_000_000.0,
) -> Change:
    """A change whose reading(s) have temperature1 = t1 (the old image has t1 - 1)."""
    key = ReadingKey(device_id, datacount)
    temperature = None if t1 is None else Decimal(t1)
    new = Reading(device_id, datacount, ReadingInfo("1", temperature1=temperature), 1)
    old_t = None if temperature is None else temperature - 1
    old = Reading(device_id, datacount, ReadingInfo("1", temperature1=old_t), 0)
    return Change(
        kind,
        key,
        None if kind is ChangeKind.REMOVE else new,
        None if kind is ChangeKind.INSERT else old,
        at,
    )


class FakeSource:
    """Each poll returns the next scripted batch (or raises it), then [] when none is left."""

    def __init__(self, open_error: Exception | None = None) -> None:
        self.open_error = open_error
        # When set, open() waits for it: a test can hold the first subscription in its start.
        self.open_gate: threading.Event | None = None
        self.batches: deque[list[Change] | Exception] = deque()
        self.calls: list[str] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def push(self, *items: list[Change] | Exception) -> None:
        with self._lock:
            self.batches.extend(items)

    def count(self, call: str) -> int:
        return self.calls.count(call)

    def open(self) -> None:
        if self.open_gate is not None:
            self.open_gate.wait(5)
        self._record("open")
        if self.open_error is not None:
            raise self.open_error

    def poll(self) -> list[Change]:
        self._record("poll")
        with self._lock:
            item = self.batches.popleft() if self.batches else []
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        self._record("close")

    def _record(self, call: str) -> None:
        self.calls.append(call)
        self.threads.add(threading.current_thread().name)
