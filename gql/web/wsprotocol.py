"""uvicorn's WebSocket protocol (websockets-sansio), able to abort a connection.

uvicorn ends a WebSocket with `transport.close()`, which first writes out what is buffered. A
peer that stopped reading never takes it, so the connection, its buffers and its file
descriptor stay for as long as the peer keeps its end open (TCP probes a zero window for
ever); uvicorn's keep-alive does time out, but its close waits behind the same backlog. This
protocol aborts instead, wherever waiting cannot end well:

- when the app asks: `scope["extensions"]["gql.abort"]`, called by gql/web/outbox.py when a
  write has stalled for GQL_WS_SEND_TIMEOUT;
- when uvicorn's keep-alive ping got no pong in time and the close frame could not be written;
- when the closing handshake, or the flush after the app returned, has not ended within
  uvicorn's close timeout (10 s).

`gql serve` runs uvicorn with it (gql/web/server.py). Under another server the app still drops
the socket's queue and subscriptions on a stall, but cannot free the connection itself.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

ABORT = "gql.abort"
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST and drops the queue

# websockets logs "connection open" and "connection closed" at INFO for every socket; the one
# line a socket gets when it ends comes from gql/web/view.py.
_frames = logging.getLogger("gql.web.frames")
_frames.setLevel(logging.WARNING)


class AbortingWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn.logger = _frames

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # only set for a handshake that is accepted
        if scope is not None:
            scope["extensions"][ABORT] = self.abort

    def abort(self) -> None:
        """Drop the connection now, and whatever is still buffered for the peer.

        `transport.abort()` alone frees the process's buffer, but closing a socket with unsent
        data leaves it to the kernel, which keeps trying to deliver it (and the FIN behind it)
        to a peer that reads nothing. A zero linger makes the close a reset: the kernel drops
        that data too, and the peer learns at once that the connection is gone."""
        if not self.disconnected:
            self.close_sent = True
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
            self.transport.abort()

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        if self.transport.get_write_buffer_size():  # the close frame is stuck behind data
            self.abort()

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.close" and self.close_timer is not None:
            self.close_timer.cancel()
            self.close_timer = self.loop.call_later(self.close_timeout, self.abort)

    async def run_asgi(self) -> None:
        await super().run_asgi()
        if not self.disconnected:
            self.loop.call_later(self.close_timeout, self.abort)
