"""One execution per distinct subscription, its results sent to every socket that shares it.

Strawberry runs a subscription's selection once per event for each subscriber (graphql-core's
`subscribe` maps every event of the source through the executor), and each result is then
formatted and encoded for each socket. With 100 subscribers of one document, each change was
executed and encoded 100 times. Here subscriptions of the same document, operation name,
variables and caller's scopes form a `Group`: one `schema.stream` runs for the group, each
result is formatted and encoded once, and the text goes to every member.

What each subscriber had stays its own: a bounded buffer (`capacity` results; one that falls
further behind ends alone with SLOW_CONSUMER, its buffer dropped), its own id, its own end
(`complete` from the client, its socket closing), its own outbox (gql/web/outbox.py) and its
count in the metrics. The group ends when its last member leaves (the hub then loses one
subscriber) or when its stream ends (STREAM_GAP...): every member gets that last result too.
A member that joins a running group gets the results from then on, as a new subscription does.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLError, OperationType, get_operation_ast, parse
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from gql.errors import LiveError, SlowConsumerError
from gql.live import Tally

log = logging.getLogger("gql.websocket")

Start = Callable[[], Awaitable[Any]]  # schema.stream(...) for the group's context


@dataclass(frozen=True, slots=True)
class Frame:
    """One result of a group: a `next` payload as JSON text, or the errors before execution."""

    text: str = ""
    initial_errors: list[dict[str, Any]] | None = None
    codes: tuple[str, ...] = ()  # of its errors, for the metrics


class Member:
    """One subscriber's share of a group: its bounded buffer of frames, read with async for."""

    def __init__(self, group: Group, capacity: int, tally: Tally) -> None:
        self.group = group
        self.capacity = capacity
        self.tally = tally
        self._frames: deque[Frame] = deque()
        self._wake = asyncio.Event()
        self._ended = False
        # Where a result may go at once, skipping the buffer and the wake-up of the task that
        # reads it (its socket's outbox); False from it: no room now, so buffer it.
        self.direct: Callable[[Frame], bool] | None = None
        self._holding = False  # the reading task took a frame it has not sent yet

    def offer(self, frame: Frame) -> None:
        if self._ended:
            return
        # Only in order: nothing buffered or held before it. Frames with errors take the
        # buffer, whose reader counts their codes.
        plain = not frame.codes and frame.initial_errors is None
        ready = plain and not (self._frames or self._holding)
        if ready and self.direct is not None and self.direct(frame):
            self.tally.delivered += 1
            return
        if len(self._frames) >= self.capacity:
            self.fail(
                SlowConsumerError(
                    f"the subscription fell more than {self.capacity} changes behind and was "
                    "ended; re-read with queries and subscribe again"
                ),
                dropped=1,
            )
            return
        self._frames.append(frame)
        self._wake.set()

    def end(self) -> None:
        """No more frames: those buffered are still sent."""
        self._ended = True
        self._wake.set()

    def fail(self, error: LiveError, *, dropped: int = 0) -> None:
        """End now with `error`, dropping what is buffered (as gql/live/subscriber.py does)."""
        self.tally.dropped += len(self._frames) + dropped
        self._frames.clear()
        if not self._ended:
            self._frames.append(self.group.error_frame(error))
            self._ended = True
        self._wake.set()

    def __aiter__(self) -> Member:
        return self

    async def __anext__(self) -> Frame:
        self._holding = False  # the last frame returned is sent
        while True:
            if self._frames:
                self.tally.delivered += 1
                self._holding = True
                return self._frames.popleft()
            if self._ended:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()


class Group:
    def __init__(self, shared: Shared, key: Hashable, start: Start) -> None:
        self.shared = shared
        self.key = key
        self.members: set[Member] = set()
        self.final: Frame | None = None
        self.task = asyncio.create_task(self._run(start), name="subscription-group")

    def error_frame(self, error: LiveError) -> Frame:
        """A `next` with data null and the coded error, as the resolver raising it gives."""
        formatted = {"message": error.message, "extensions": {"code": error.code}}
        return Frame(_encode({"data": None, "errors": [formatted]}), codes=(error.code,))

    async def _run(self, start: Start) -> None:
        try:
            source = await start()
            async with contextlib.aclosing(source):
                first = True
                async for result in source:
                    frame = self._frame(result, first)
                    self._broadcast(frame)
                    if frame.initial_errors is not None:
                        break
                    first = False
        except Exception as exc:
            log.error("websocket: %s while running a shared subscription", type(exc).__name__)
            self._broadcast(
                Frame(initial_errors=[INTERNAL_ERROR], codes=("INTERNAL_SERVER_ERROR",))
            )
        finally:
            self.shared.forget(self)
            for member in self.members:
                member.end()

    def _frame(self, result: Any, first: bool) -> Frame:
        if first and isinstance(result, PreExecutionError):
            errors: list[dict[str, Any]] = [dict(e.formatted) for e in result.errors or []]
            return Frame(initial_errors=errors, codes=_codes(errors))
        if not isinstance(result, ExecutionResult):  # @defer/@stream frames: none here
            return INTERNAL
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        if result.extensions:
            payload["extensions"] = result.extensions
        return Frame(_encode(payload), codes=_codes(payload.get("errors", [])))

    def _broadcast(self, frame: Frame) -> None:
        self.final = frame
        for member in self.members:
            member.offer(frame)

    def leave(self, member: Member) -> None:
        self.members.discard(member)
        if not self.members:
            self.shared.forget(self)
            self.task.cancel()


class Shared:
    """The groups of one process, by key."""

    def __init__(self, capacity: int, tally: Tally) -> None:
        self.capacity = capacity
        self.tally = tally
        self._groups: dict[Hashable, Group] = {}

    @property
    def members(self) -> int:
        return sum(len(g.members) for g in self._groups.values())

    def forget(self, group: Group) -> None:
        if self._groups.get(group.key) is group:
            del self._groups[group.key]

    @contextlib.asynccontextmanager
    async def join(self, key: Hashable, start: Start) -> AsyncIterator[Member]:
        """A member of the group of `key`, started with `start()` if there is none."""
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(self, key, start)
        member = Member(group, self.capacity, self.tally)
        group.members.add(member)
        try:
            yield member
        finally:
            group.leave(member)


def share_key(
    query: str, operation_name: str | None, variables: Any, scopes: frozenset[str]
) -> Hashable | None:
    """What makes two subscriptions one; None when the document is no subscription that
    parses (it then runs on its own, and gets its own errors)."""
    if not _is_subscription(query, operation_name):
        return None
    try:
        values = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return (query, operation_name, values, scopes)


@functools.lru_cache(maxsize=256)
def _is_subscription(query: str, operation_name: str | None) -> bool:
    try:
        document: DocumentNode = parse(query)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation is OperationType.SUBSCRIPTION


INTERNAL_ERROR: dict[str, Any] = {
    "message": "Internal server error.",
    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
}
INTERNAL = Frame(initial_errors=[INTERNAL_ERROR], codes=("INTERNAL_SERVER_ERROR",))


def _codes(errors: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(str((e.get("extensions") or {}).get("code", "")) for e in errors)


def _encode(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()
