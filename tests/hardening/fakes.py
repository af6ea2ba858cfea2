"""Misbehaving backends on loopback, for the fault tests. No mocks: real sockets, real HTTP.

- `BlackHole`: accepts TCP connections and never answers.
- `FakeDynamoDB`: an HTTP endpoint that answers every request with one fixed response
  (e.g. a throttling error) and records what it was asked.
- `SwitchableProxy`: a TCP relay in front of a real endpoint that can be switched off (its
  port then refuses connections) and on again, on the same port.
- `LostAnswerProxy`: an HTTP proxy in front of a real endpoint that forwards the first
  request of one operation and then drops the connection instead of returning the answer.

Each is a context manager: every thread stops and every socket closes on exit.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
TARGET_PREFIX = "DynamoDB_20120810."
THROTTLED_BODY = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "Rate exceeded",
}


def unused_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    return port


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class _Closing:
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class BlackHole(_Closing):
    """Accepts connections and holds them open without reading or answering."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(64)
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.accepted_at: list[float] = []
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted_at.append(time.monotonic())
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()
        for conn in self._held:
            _close(conn)


@dataclass
class Seen:
    at: float
    target: str


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection is closed after this, so no thread lingers
    # Headers and body are two writes: without this the body waits for the client's delayed
    # ACK (about 40 ms an answer), time a loaded machine takes out of the tests' budgets.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length)


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5. A test's burst of concurrent clients (12
    # throttled requests at once) then overflows the accept queue when a loaded machine's
    # accept loop lags: the kernel drops the handshake, the client waits out a retransmit, and
    # its first answer can come after the request's budget, as BACKEND_UNAVAILABLE instead of
    # THROTTLED (seen once in CI; reproduced with accept delayed 80 ms and a backlog of 1).
    request_queue_size = 128


class _HTTPServing(_Closing):
    """An HTTP server on a free loopback port, in a thread, until close()."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = _Server((LOOPBACK, 0), handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


class FakeDynamoDB(_HTTPServing):
    """Answers every request with `status` and `body` (JSON), as DynamoDB would send an error."""

    def __init__(
        self,
        status: int = 400,
        body: dict[str, Any] | None = None,
        content_type: str = "application/x-amz-json-1.0",
    ) -> None:
        payload = json.dumps(body if body is not None else THROTTLED_BODY).encode()
        self.seen: list[Seen] = []
        seen = self.seen

        class Handler(_QuietHandler):
            def do_POST(self) -> None:
                self.read_body()
                target = self.headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
                seen.append(Seen(time.monotonic(), target))
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._serve(Handler)


@dataclass
class _Pair:
    client: socket.socket
    upstream: socket.socket

    def close(self) -> None:
        _close(self.client)
        _close(self.upstream)


@dataclass
class SwitchableProxy(_Closing):
    """A TCP relay on a fixed loopback port to `upstream` (http://host:port), switchable."""

    upstream: str
    port: int = field(default_factory=unused_port)
    connections: int = 0

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        self._target = (parts.hostname or LOOPBACK, parts.port or 80)
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._lock = threading.Lock()
        self._pairs: list[_Pair] = []
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self.on()

    @property
    def is_on(self) -> bool:
        return self._listener is not None

    def on(self) -> None:
        """Listen again on the same port."""
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self._stop = threading.Event()
        self._listener = listener
        self._spawn(self._accept, listener, self._stop)

    def off(self) -> None:
        """Stop listening (connections are refused) and cut every open connection."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        listener.close()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            pair.close()

    def close(self) -> None:
        self.off()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            pair = _Pair(client, upstream)
            with self._lock:
                self._pairs.append(pair)
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink, pair), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket, pair: _Pair) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        pair.close()


class LostAnswerProxy(_HTTPServing):
    """HTTP proxy to `upstream`: the first `drop` requests for `operation` are forwarded, their
    answers read, and then the client's connection is closed without any answer."""

    def __init__(self, upstream: str, operation: str, drop: int = 1) -> None:
        parts = urlsplit(upstream)
        host, port = parts.hostname or LOOPBACK, parts.port or 80
        self.forwarded: list[str] = []
        self.dropped: list[int] = []  # upstream status of each answer that was withheld
        forwarded, dropped = self.forwarded, self.dropped
        lock = threading.Lock()

        class Handler(_QuietHandler):
            def do_POST(self) -> None:
                body = self.read_body()
                target = self.headers.get("x-amz-target", "").removeprefix(TARGET_PREFIX)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream_conn = http.client.HTTPConnection(host, port, timeout=10)
                try:
                    upstream_conn.request("POST", self.path, body=body, headers=headers)
                    answer = upstream_conn.getresponse()
                    payload = answer.read()
                finally:
                    upstream_conn.close()
                with lock:
                    forwarded.append(target)
                    lose = target == operation and len(dropped) < drop
                    if lose:
                        dropped.append(answer.status)
                if lose:
                    # The request was applied upstream; its answer never reaches the client.
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._serve(Handler)
