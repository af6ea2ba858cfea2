"""What the app does when the server is asked to stop: readiness off, then the drain callbacks.

gql/web/server.py calls `begin()` when SIGTERM arrives (/readyz then answers 503) and awaits
`run_callbacks()` before uvicorn closes connections, so that long-lived work the app owns
(open subscriptions: `drain.on_drain(hub.shutdown)` in the app's lifespan) can end cleanly
while its clients are still connected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("gql.shutdown")

Callback = Callable[[], Awaitable[None]]


class Drain:
    def __init__(self) -> None:
        self.draining = False
        self._callbacks: list[Callback] = []

    def on_drain(self, callback: Callback) -> None:
        """Await `callback` when the server stops, before connections are closed."""
        self._callbacks.append(callback)

    def begin(self) -> None:
        self.draining = True

    async def run_callbacks(self, timeout: float) -> None:
        """Every callback, concurrently, for at most `timeout` seconds; failures are logged."""
        self.draining = True
        if not self._callbacks:
            return
        tasks = [asyncio.ensure_future(callback()) for callback in self._callbacks]
        done, pending = await asyncio.wait(tasks, timeout=max(timeout, 0))
        for task in pending:
            task.cancel()
        if pending:
            log.error("%d shutdown callback(s) did not finish in %.1f s", len(pending), timeout)
        for task in done:
            if task.exception() is not None:
                log.error("a shutdown callback failed", exc_info=task.exception())
