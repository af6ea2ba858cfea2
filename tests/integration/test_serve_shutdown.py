"""`gql serve` in production shape, as a real process: SIGTERM drains it, and its JSON log.

The server's DynamoDB is a slow fake on loopback (every GetItem takes SLOW seconds, and finds
nothing), so that a request is surely in flight when SIGTERM arrives.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Server, bare_env

SLOW = 2.0
SHUTDOWN_SECONDS = 6.0
DELAY_SECONDS = 1.0
SECRET = "never-logged-7d1f3b"
QUERY = "query Slow($d: ID!) { reading(deviceId: $d, datacount: 1) { datacount } }"


class SlowDynamoDB:
    """GetItem answers `{}` (no item) after `delay` seconds; anything else at once."""

    def __init__(self, delay: float) -> None:
        self.gets_started = threading.Event()

        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.headers.get("x-amz-target", "").endswith(".GetItem"):
                    outer.gets_started.set()
                    time.sleep(delay)
                body = b"{}"
                self.send_response(200)
                self.send_header("content-type", "application/x-amz-json-1.0")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_dynamodb() -> Iterator[SlowDynamoDB]:
    fake = SlowDynamoDB(SLOW)
    yield fake
    fake.close()


def production_env(endpoint: str, **extra: str) -> dict[str, str]:
    return bare_env(
        AWS_ENDPOINT_URL_DYNAMODB=endpoint,
        AWS_ACCESS_KEY_ID="fake",
        AWS_SECRET_ACCESS_KEY="fake",
        AWS_REGION="us-east-1",
        GQL_CURSOR_SECRET="shutdown-tests-cursor-secret",
        # The slow GetItem must be waited for, not timed out.
        GQL_READ_TIMEOUT="10",
        GQL_REQUEST_TIMEOUT="10",
        GQL_LOG_FORMAT="json",
        **extra,
    )


def refused(url: str) -> bool:
    """Whether a new connection goes unserved: refused, or reset unanswered (one the kernel
    had queued in the backlog when the server closed its listening socket)."""
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
        return True
    return False


def test_sigterm_finishes_the_request_in_flight_and_exits_0(
    slow_dynamodb: SlowDynamoDB, tmp_path: Path
) -> None:
    env = production_env(
        slow_dynamodb.url,
        GQL_SHUTDOWN_SECONDS=str(SHUTDOWN_SECONDS),
        GQL_SHUTDOWN_DELAY_SECONDS=str(DELAY_SECONDS),
    )
    with Server(env, tmp_path) as server:
        assert server.process is not None
        answers: list[httpx.Response] = []
        payload = {"query": QUERY, "variables": {"d": SECRET}}
        in_flight = threading.Thread(
            target=lambda: answers.append(
                httpx.post(f"{server.url}/graphql", json=payload, timeout=20)
            )
        )
        in_flight.start()
        assert slow_dynamodb.gets_started.wait(10), server.stderr_tail()
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)

        # Readiness turns first, while connections are still accepted (the delay).
        ready = httpx.get(f"{server.url}/readyz", timeout=5)
        assert ready.status_code == 503
        assert ready.json() == {"status": "draining"}
        assert time.monotonic() - signalled < DELAY_SECONDS

        # Then new connections are refused, while the slow request is still running.
        while not refused(server.url):
            assert time.monotonic() - signalled < DELAY_SECONDS + 1, "still accepting"
            time.sleep(0.05)
        refused_after = time.monotonic() - signalled
        assert refused_after >= DELAY_SECONDS - 0.1
        assert in_flight.is_alive(), "the slow request ended before the drain began"

        in_flight.join(timeout=10)
        [answer] = answers
        assert answer.status_code == 200
        assert answer.json() == {"data": {"reading": None}}

        code = server.process.wait(timeout=SHUTDOWN_SECONDS + 2)
        took = time.monotonic() - signalled
        assert code == 0, server.stderr_tail()
        assert took < SHUTDOWN_SECONDS

        # The request's line, in JSON like every other line, without the variable's value.
        lines = [json.loads(line) for line in server.stderr.splitlines() if line.strip()]
        [line] = [entry for entry in lines if entry["logger"] == "gql.request"]
        assert (line["status"], line["operation_name"], line["dynamodb_calls"]) == (200, "Slow", 1)
        assert line["duration_ms"] >= SLOW * 1000
        assert SECRET not in server.stderr


def test_a_request_longer_than_the_bound_is_cut_and_the_process_still_exits_0(
    slow_dynamodb: SlowDynamoDB, tmp_path: Path
) -> None:
    env = production_env(slow_dynamodb.url, GQL_SHUTDOWN_SECONDS="1")
    with Server(env, tmp_path) as server:
        assert server.process is not None
        outcomes: list[object] = []

        def ask() -> None:
            try:
                payload = {"query": QUERY, "variables": {"d": "x"}}
                outcomes.append(httpx.post(f"{server.url}/graphql", json=payload).status_code)
            except httpx.HTTPError as exc:
                outcomes.append(type(exc).__name__)

        in_flight = threading.Thread(target=ask)
        in_flight.start()
        assert slow_dynamodb.gets_started.wait(10), server.stderr_tail()
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=5)
        took = time.monotonic() - signalled
        in_flight.join(timeout=5)
        assert code == 0, server.stderr_tail()
        assert took < SLOW  # the bound, not the request, decided when the process ended
        # Not left hanging: uvicorn answers 500 for the request it cancelled.
        assert outcomes == [500]
