"""One WebSocket's outgoing messages: a bounded queue, one writer, and a limit on stalls.

Every message of a socket (results, pings, errors, the close frame) goes through its outbox, in
order, written by one task. So:

- `send` never fails and never raises into an operation: once the socket is closing or gone,
  messages are dropped (no "Unexpected ASGI message 'websocket.send' after 'websocket.close'",
  no ClientDisconnected traceback from each operation of a socket that went away);
- at most `max_bytes` of text wait in the queue (counted in characters, bytes for ASCII JSON):
  beyond that `send` waits, so the operations that produce messages wait too, and each
  subscription's own bounded buffer (gql/live/subscriber.py) takes the slack;
- a write that has not completed after `stall_seconds` means the peer has stopped reading
  (uvicorn's send waits while its transport's buffer is over its high-water mark, and that
  buffer drains only as the peer reads). Then the queue is dropped, `on_stall` runs (the
  socket's subscriptions end with SLOW_CONSUMER), and the connection is aborted: a close frame
  would wait behind the backlog the peer never reads. `abort` comes from the server (gql serve's
  WebSocket protocol, gql/web/wsprotocol.py); without it the socket is only given up (`gone`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketDisconnect


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class Outbox:
    def __init__(
        self,
        websocket: WebSocket,
        *,
        max_bytes: int,
        stall_seconds: float,
        abort: Callable[[], None] | None = None,
    ) -> None:
        self._ws = websocket
        self.max_bytes = max_bytes
        self.stall_seconds = stall_seconds
        self._abort = abort
        self._queue: deque[str | _Close] = deque()
        self.queued = 0
        self.peak = 0
        self.sent = 0
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._written = asyncio.Event()  # the close frame is out, or the socket is gone
        # Set when the socket can take no more: closed by us, gone, or aborted.
        self.gone = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.stalled = False
        self.on_stall: Callable[[], None] = lambda: None
        self._writer = asyncio.create_task(self._write_all(), name="ws-outbox")

    @property
    def closing(self) -> bool:
        return self.close_code is not None or self.gone.is_set()

    async def send(self, text: str) -> None:
        """Queue `text`; waits while the queue is full, drops it once the socket is closing."""
        while self.queued >= self.max_bytes and not self.closing:
            self._room.clear()
            await self._room.wait()
        if self.closing:
            return
        self._queue.append(text)
        self.queued += len(text)
        self.peak = max(self.peak, self.queued)
        self._wake.set()

    def offer(self, text: str) -> bool:
        """Queue `text` now if there is room (True), as `send` would without waiting; False
        when the queue is full. Once the socket is closing, the text is dropped (True)."""
        if self.closing:
            return True
        if self.queued >= self.max_bytes:
            return False
        self._queue.append(text)
        self.queued += len(text)
        self.peak = max(self.peak, self.queued)
        self._wake.set()
        return True

    async def close(self, code: int, reason: str) -> None:
        """Close after what is queued; returns once the close frame is written or given up."""
        if not self.closing:
            self.close_code, self.close_reason = code, reason
            self._queue.append(_Close(code, reason))
            self._wake.set()
            self._room.set()  # senders waiting for room drop their message instead
        await self._written.wait()

    def shutdown(self) -> None:
        """The socket's handler is done: stop writing and drop what is left."""
        self._give_up()
        self._writer.cancel()

    async def _write_all(self) -> None:
        try:
            while True:
                while not self._queue:
                    self._wake.clear()
                    await self._wake.wait()
                item = self._queue[0]
                async with asyncio.timeout(self.stall_seconds):
                    if isinstance(item, _Close):
                        await self._ws.close(item.code, item.reason)
                        break
                    await self._ws.send_text(item)
                self._queue.popleft()
                self.queued -= len(item)
                self.sent += 1
                if self.queued < self.max_bytes:
                    self._room.set()
        except TimeoutError:
            self._stall()
        except (WebSocketDisconnect, OSError, RuntimeError):
            pass  # the peer went away (RuntimeError: Starlette's state checks say so too)
        finally:
            self._give_up()

    def _stall(self) -> None:
        self.stalled = True
        self._give_up()
        self.on_stall()
        if self._abort is not None:
            self._abort()

    def _give_up(self) -> None:
        self._queue.clear()
        self.queued = 0
        self.gone.set()
        self._room.set()
        self._written.set()

    async def stopped(self) -> None:
        """Wait for the writer task to end (after shutdown)."""
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
