"""An HTTP proxy on loopback that forwards every request to DynamoDB Local and counts them by
operation (the `X-Amz-Target` header, e.g. `DynamoDBStreams_20120810.GetRecords`), and the
items DynamoDB read for them, from its answers: ScannedCount for Query and Scan, the items
returned for GetItem and BatchGetItem.

The live bench points the server's DynamoDB Streams endpoint (AWS_ENDPOINT_URL_DYNAMODB_STREAMS)
here, and the history bench its DynamoDB endpoint, so the counts are what the server really
sent and read, whatever its own code believes.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects
    # The answer goes out in two writes (headers, then body): with Nagle's algorithm the body
    # waited for the client's delayed ACK of the headers, about 10 ms an answer on loopback.
    # That made `Device.stats` (8 requests) 100 ms through the proxy against 19 ms without it.
    disable_nagle_algorithm = True
    server: _CountingServer
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

    def _exchange(
        self, body: bytes, headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in (1, 2):  # once more on a fresh connection if the kept one was closed
            if self.upstream is None:
                host, port = self.server.upstream_address
                self.upstream = http.client.HTTPConnection(host, port, timeout=30)
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
        # The client went away (a killed process, say): so does the connection kept for it.
        try:
            super().finish()
        finally:
            if self.upstream is not None:
                self.upstream.close()
                self.upstream = None

    def log_message(self, format: str, *args: Any) -> None:
        pass


_SCANNED = re.compile(rb'"ScannedCount"\s*:\s*(\d+)')


def items_read(operation: str, data: bytes) -> int:
    """What DynamoDB read for one answer. A Query's or Scan's count is found with a pattern,
    not by parsing its megabyte of JSON: the proxy sits in front of both sides of a figure, and
    must cost both alike and little."""
    if operation in ("Query", "Scan"):
        found = _SCANNED.search(data)
        return int(found.group(1)) if found else 0
    if operation not in ("GetItem", "BatchGetItem"):
        return 0
    try:
        answer = json.loads(data)
    except ValueError:
        return 0
    if operation == "GetItem":
        return 1 if "Item" in answer else 0
    return sum(len(items) for items in answer.get("Responses", {}).values())


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        parts = urlsplit(upstream)
        self.upstream_address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.counts: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.lock = threading.Lock()

    def record(self, operation: str, data: bytes) -> None:
        read = items_read(operation, data)
        with self.lock:
            self.counts[operation] += 1
            self.items[operation] += read


class CountingProxy:
    """`with CountingProxy(upstream) as proxy:` then point a client at `proxy.url`."""

    def __init__(self, upstream: str) -> None:
        self._server = _CountingServer(upstream)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def counts(self) -> Counter[str]:
        """A snapshot of the requests forwarded so far, by operation."""
        with self._server.lock:
            return Counter(self._server.counts)

    def items(self) -> Counter[str]:
        """A snapshot of the items DynamoDB read for them so far, by operation."""
        with self._server.lock:
            return Counter(self._server.items)

    def __enter__(self) -> CountingProxy:
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
