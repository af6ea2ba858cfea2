"""One subscription to live changes: what it wants, and its bounded buffer. Plain asyncio."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from gql.conditions import holds
from gql.errors import LiveError, SlowConsumerError
from gql.models import Change, ChangeKind, Condition


class Failing(Protocol):
    """What can be ended at once with an error: a Subscriber, or a socket's share of one."""

    def fail(self, error: LiveError) -> None: ...


@dataclass(slots=True)
class Tally:
    """Changes sent to subscribers (counted by the edge, gql/web/fanout.py), and dropped with
    one ended SLOW_CONSUMER (its buffer and the change that did not fit): plain counts, read
    by the metrics."""

    delivered: int = 0
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class Interest:
    """What one subscription wants: None means any device, any kind, no filter."""

    device_id: str | None = None
    kinds: frozenset[ChangeKind] | None = None
    condition: Condition | None = None

    def matches(self, change: Change) -> bool:
        if self.device_id is not None and change.key.device_id != self.device_id:
            return False
        if self.kinds is not None and change.kind not in self.kinds:
            return False
        if self.condition is None:
            return True
        # The reading after the change; for REMOVE, the one that was removed.
        image = change.old if change.kind is ChangeKind.REMOVE else change.new
        return image is not None and holds(self.condition, image)


class Subscriber:
    """One subscription's buffer, read with `async for`; ends normally or with a LiveError."""

    def __init__(self, interest: Interest, capacity: int, tally: Tally | None = None) -> None:
        self.interest = interest
        self.capacity = capacity
        self.tally = tally if tally is not None else Tally()
        self._changes: deque[Change] = deque()
        self._wake = asyncio.Event()
        self._ended = False
        self._error: LiveError | None = None

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def pending(self) -> int:
        return len(self._changes)

    def offer(self, change: Change) -> None:
        if self._ended or not self.interest.matches(change):
            return
        if len(self._changes) >= self.capacity:
            self.tally.dropped += len(self._changes) + 1
            self._changes.clear()
            self.end(
                SlowConsumerError(
                    f"the subscription fell more than {self.capacity} changes behind and was "
                    "ended; re-read with queries and subscribe again"
                )
            )
            return
        self._changes.append(change)
        self._wake.set()

    def fail(self, error: LiveError) -> None:
        """End now with `error`, dropping what is buffered (the client will not read it)."""
        self.tally.dropped += len(self._changes)
        self._changes.clear()
        if self._error is None:  # an error that ended it already is the one to tell
            self._ended, self._error = True, error
        self._wake.set()

    def end(self, error: LiveError | None = None) -> None:
        """No more changes: those buffered are still delivered, then the error if any."""
        if not self._ended:
            self._ended, self._error = True, error
            self._wake.set()

    def __aiter__(self) -> Subscriber:
        return self

    async def __anext__(self) -> Change:
        while True:
            if self._changes:
                return self._changes.popleft()
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()
