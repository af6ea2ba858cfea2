"""An HTTP proxy on loopback in front of DynamoDB that counts, per operation, the requests and
the items DynamoDB read for them, from its answers on the wire: ScannedCount for Query and Scan,
the items returned for GetItem and BatchGetItem. What the server really read, whatever its own
code believes it read.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from tests.timing import patient

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    upstream: http.client.HTTPConnection | None = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        operation = (self.headers.get("x-amz-target") or "?").rsplit(".", 1)[-1]
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        status, reply_headers, data = self._exchange(body, headers)
        self.server.record(operation, data)
        self.send_response(status)
        for name, value in reply_headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _exchange(self, body: bytes, headers: dict[str, str]) -> tuple[int, list[Any], bytes]:
        for attempt in (1, 2):  # once more on a fresh connection if the kept one was closed
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(
                    *self.server.upstream, timeout=patient(60)
                )
            try:
                self.upstream.request("POST", self.path, body=body, headers=headers)
                response = self.upstream.getresponse()
                return response.status, response.getheaders(), response.read()
            except (OSError, http.client.HTTPException):
                self.upstream.close()
                self.upstream = None
                if attempt == 2:
                    raise
        raise AssertionError("not reached")

    def finish(self) -> None:
        super().finish()
        if self.upstream is not None:
            self.upstream.close()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _items_read(operation: str, data: bytes) -> int:
    try:
        answer = json.loads(data)
    except ValueError:
        return 0
    if operation in ("Query", "Scan"):
        return int(answer.get("ScannedCount", 0))
    if operation == "GetItem":
        return 1 if "Item" in answer else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in answer.get("Responses", {}).values())
    return 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.requests: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.lock = threading.Lock()

    def record(self, operation: str, data: bytes) -> None:
        read = _items_read(operation, data)
        with self.lock:
            self.requests[operation] += 1
            self.items[operation] += read


class ItemProxy:
    """`with ItemProxy(upstream) as proxy:` then point the server at `proxy.url`."""

    def __init__(self, upstream: str) -> None:
        self._server = _Server(upstream)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def snapshot(self) -> tuple[Counter[str], Counter[str]]:
        """(requests, items read) by operation, so far."""
        with self._server.lock:
            return Counter(self._server.requests), Counter(self._server.items)

    def __enter__(self) -> ItemProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
