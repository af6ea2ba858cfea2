"""Cross-request coalescing: reads by key from concurrent callers share one batch request.

A key asked for while no batch is in flight is sent on the next turn of the event loop (no
timer: a lone caller waits for nothing). Keys that arrive while a batch is out wait for it to
return and then go out together, up to `max_keys` a batch, so that a busy server sends one
request for many callers instead of one each. An error of a batch reaches exactly the callers
whose keys were in it; each caller waits only until its own deadline.

Plain asyncio: the batch function is blocking and runs on the executor it is given. It gets a
`Batch`, whose `deadline` is the latest of its callers' (the batch is worth finishing while
any of them still waits) and whose `state` it may set to tell a caller that gave up why
(e.g. the time budget of its DynamoDB calls, which knows whether they were throttled).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Mapping
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
    clock: Callable[[], float] = time.monotonic
    batches_sent: int = 0  # for tests and the bench: how many batch calls were made
    _pending: dict[K, list[_Waiter]] = field(default_factory=dict, init=False, repr=False)
    _in_flight: int = field(default=0, init=False, repr=False)
    _scheduled: bool = field(default=False, init=False, repr=False)

    async def load(self, key: K, deadline: float) -> V | None:
        """The value of `key`, None when the batch function did not return it."""
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop.create_future(), deadline)
        self._pending.setdefault(key, []).append(waiter)
        if not self._in_flight and not self._scheduled:
            # Keys asked for in this same turn of the loop (one request's, or several
            # requests') go together; nothing waits longer than that.
            self._scheduled = True
            loop.call_soon(self._flush)
        remaining = deadline - self.clock()
        try:
            if remaining <= 0:
                raise TimeoutError
            result: V | None = await asyncio.wait_for(waiter.future, remaining)
        except TimeoutError:
            self._forget(key, waiter)
            raise BatchTimeoutError(waiter.batch) from None
        except asyncio.CancelledError:
            self._forget(key, waiter)
            raise
        return result

    def _forget(self, key: K, waiter: _Waiter) -> None:
        """Drop a caller that gave up before its key was sent."""
        waiters = self._pending.get(key)
        if waiters is not None and waiter in waiters:
            waiters.remove(waiter)
            if not waiters:
                del self._pending[key]

    def _flush(self) -> None:
        self._scheduled = False
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
        try:
            answer = loop.run_in_executor(self.executor, self.fetch, batch)
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
        if self._pending and not self._scheduled:
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
