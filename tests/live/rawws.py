"""A WebSocket client on a bare TCP socket, for the client no library would be: one that stops
reading. It does the handshake, sends masked text frames, and reads frames only when asked to.

`receive_buffer` shrinks the socket's receive buffer before it connects, so that a client that
stops reading fills its share of the kernel's buffers with a few hundred kilobytes, not several
megabytes: the server then feels it sooner.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from typing import Any

TEXT, CLOSE = 0x1, 0x8


class RawWebSocket:
    def __init__(
        self, port: int, protocol: str, *, receive_buffer: int | None = None, timeout: float = 10
    ) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.protocol = protocol
        self._pending = b""
        self._handshake(port)

    def _handshake(self, port: int) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: {self.protocol}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        while b"\r\n\r\n" not in self._pending:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection during the handshake")
            self._pending += chunk
        head, _, self._pending = self._pending.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise ConnectionError(f"handshake refused: {status.decode(errors='replace')}")

    def send_json(self, message: Any) -> None:
        self.send_text(json.dumps(message))

    def send_text(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | TEXT, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x80 | TEXT, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | TEXT, 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self, deadline: float) -> tuple[int, bytes]:
        """(opcode, payload) of the next frame; TimeoutError at the deadline."""
        header = self._read(2, deadline)
        opcode, length = header[0] & 0x0F, header[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2, deadline))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8, deadline))[0]
        return opcode, self._read(length, deadline)

    def receive_json(self, timeout: float = 10) -> dict[str, Any]:
        """The next text message that is not a keep-alive."""
        deadline = time.monotonic() + timeout
        while True:
            opcode, payload = self.receive(deadline)
            if opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise ConnectionError(f"closed by the server with {code}")
            if opcode != TEXT:
                continue
            message: dict[str, Any] = json.loads(payload)
            if message.get("type") not in ("ka", "ping"):
                return message

    def _read(self, size: int, deadline: float) -> bytes:
        while len(self._pending) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no complete frame before the deadline")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self._pending += chunk
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def peer_ended(self) -> str | None:
        """How the server has ended the TCP connection: "reset" (RST), "closed" (FIN, seen
        after reading and dropping what it sent before it), None while it is open."""
        self.sock.setblocking(False)
        try:
            while True:
                data = self.sock.recv(1 << 20)
                if not data:
                    return "closed"
        except BlockingIOError:
            return None
        except ConnectionResetError:
            return "reset"
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()
