"""Cross-request coalescing: reads by key from concurrent callers share one batch request.

A key asked for while no batch is in flight is sent at once (no timer: a lone caller waits
for nothing). Keys that arrive while a batch is out wait for it to return and then go out
together, up to `max_keys` a batch, so that a busy server sends one request for many callers
instead of one each. An error of a batch reaches exactly the callers
whose keys were in it; each caller waits only until its own deadline.

Plain asyncio: the batch function is blocking and runs on the executor it is given. It gets a
`Batch`, whose `deadline` is the latest of its callers' (the batch is worth finishing while
any of them still waits) and whose `state` it may set to tell a caller that gave up why
(e.g. the time budget of its DynamoDB calls, which knows whether they were throttled).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class Batch(Generic[K]):
    keys: list[K]
    deadline: float
    state: Any = None


@dataclass
class _Waiter:
    future: asyncio.Future[Any]
    deadline: float
    batch: Batch[Any] | None = None
    # The caller's context variables (its request record and trace), for the batch it opens.
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


class BatchTimeoutError(TimeoutError):
    """A caller's deadline passed before its batch answered; `batch` is None if never sent."""

    def __init__(self, batch: Batch[Any] | None) -> None:
        super().__init__("the batch did not answer in time")
        self.batch = batch


@dataclass
class Coalescer(Generic[K, V]):
    fetch: Callable[[Batch[K]], Mapping[K, V]]
    executor: Executor
    max_keys: int = 100
    # Batches out at once before keys wait for one to return (1: the plain rule above).
    max_in_flight: int = 1
    clock: Callable[[], float] = time.monotonic
    batches_sent: int = 0  # for tests and the bench: how many batch calls were made
    _pending: dict[K, list[_Waiter]] = field(default_factory=dict, init=False, repr=False)
    _in_flight: int = field(default=0, init=False, repr=False)

    async def load(self, key: K, deadline: float) -> V | None:
        """The value of `key`, None when the batch function did not return it."""
        return (await self.load_many([key], deadline))[0]

    async def load_many(self, keys: Sequence[K], deadline: float) -> list[V | None]:
        """The values of `keys` (sent together when nothing is in flight), in their order."""
        remaining = deadline - self.clock()
        if remaining <= 0:
            raise BatchTimeoutError(None)
        loop = asyncio.get_running_loop()
        waiters = [(key, _Waiter(loop.create_future(), deadline)) for key in keys]
        for key, waiter in waiters:
            self._pending.setdefault(key, []).append(waiter)
        if self._in_flight < self.max_in_flight:
            self._flush()  # nothing (or little) is out: these keys go now
        try:
            if len(waiters) == 1:
                return [await asyncio.wait_for(waiters[0][1].future, remaining)]
            futures = [waiter.future for _, waiter in waiters]
            results = await asyncio.wait_for(
                asyncio.gather(*futures, return_exceptions=True), remaining
            )
        except TimeoutError:
            self._forget(waiters)
            raise BatchTimeoutError(waiters[0][1].batch) from None
        except asyncio.CancelledError:
            self._forget(waiters)
            raise
        values: list[V | None] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            values.append(result)
        return values

    def _forget(self, gave_up: list[tuple[K, _Waiter]]) -> None:
        """Drop the keys of a caller that gave up before they were sent."""
        for key, waiter in gave_up:
            waiters = self._pending.get(key)
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._pending[key]

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        keys = list(pending)
        for start in range(0, len(keys), self.max_keys):
            self._send({key: pending[key] for key in keys[start : start + self.max_keys]})

    def _send(self, chunk: dict[K, list[_Waiter]]) -> None:
        deadline = max(w.deadline for waiters in chunk.values() for w in waiters)
        batch: Batch[K] = Batch(list(chunk), deadline)
        for waiters in chunk.values():
            for waiter in waiters:
                waiter.batch = batch
        self.batches_sent += 1
        loop = asyncio.get_running_loop()
        # A shared call is accounted once, to the request of the first caller in the batch
        # (its log line and trace show it); the others waited on it without calling.
        opener = next(iter(chunk.values()))[0].context
        try:
            answer = loop.run_in_executor(self.executor, opener.run, self.fetch, batch)
        except RuntimeError as exc:  # the executor was shut down: the app is stopping
            self._settle(chunk, None, exc)
            return
        self._in_flight += 1
        answer.add_done_callback(lambda done: self._returned(chunk, done))

    def _returned(self, chunk: dict[K, list[_Waiter]], answer: asyncio.Future[Any]) -> None:
        self._in_flight -= 1
        if answer.cancelled():
            self._settle(chunk, None, asyncio.CancelledError())
        else:
            error = answer.exception()
            self._settle(chunk, None if error else answer.result(), error)
        if self._pending:
            self._flush()

    @staticmethod
    def _settle(
        chunk: dict[K, list[_Waiter]],
        found: Mapping[K, Any] | None,
        error: BaseException | None,
    ) -> None:
        for key, waiters in chunk.items():
            for waiter in waiters:
                if waiter.future.done():  # a caller that gave up has cancelled its own
                    continue
                if error is not None or found is None:
                    waiter.future.set_exception(error or RuntimeError("no answer"))
                else:
                    waiter.future.set_result(found.get(key))
