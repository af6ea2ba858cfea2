"""A graphql-transport-ws subscriber for tests, with the `websockets` package (no graphql client).

Messages are read on a thread into a queue, so a test can write to the table and then wait for
what arrives, with a deadline. Written from the protocol's description (graphql-ws's
PROTOCOL.md), not from the server's code, so it checks the server speaks the protocol.
Waits for what should come (the socket, a change, the end of `prime`) are `patient(...)`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.timing import patient

Json = dict[str, Any]

FIELDS = """
  kind deviceId datacount changedAt
  reading { deviceId datacount version info { infoTimestamp temperature1 temperature2 } }
  previous { deviceId datacount version info { infoTimestamp temperature1 temperature2 } }
"""
READING_CHANGES = (
    "subscription Changes($deviceId: ID, $kinds: [ChangeKind!], $filter: ReadingCondition) {"
    f" readingChanges(deviceId: $deviceId, kinds: $kinds, filter: $filter) {{ {FIELDS} }} }}"
)


class SubscriptionEndedError(AssertionError):
    """The server ended the subscription (an error message, a `next` with errors, a close)."""

    def __init__(self, message: str, errors: list[Json] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    @property
    def codes(self) -> list[str | None]:
        return [(error.get("extensions") or {}).get("code") for error in self.errors]


class Subscriber:
    """One socket with one readingChanges subscription on it."""

    _ids = itertools.count(1)

    def __init__(
        self,
        graphql_url: str,
        variables: Json | None = None,
        *,
        init_payload: Json | None = None,
        timeout: float = 10.0,
    ) -> None:
        timeout = patient(timeout)
        self.url = graphql_url.replace("http", "ws", 1)
        self.messages: queue.Queue[Json | BaseException] = queue.Queue()
        self.stack = contextlib.ExitStack()
        self.ws: ClientConnection = self.stack.enter_context(
            connect(
                self.url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=timeout
            )
        )
        self.ws.send(json.dumps({"type": "connection_init", "payload": init_payload or {}}))
        ack = json.loads(self.ws.recv(timeout=timeout))
        assert ack["type"] == "connection_ack", ack
        self.id = str(next(self._ids))
        subscribe = {"query": READING_CHANGES, "variables": variables or {}}
        self.ws.send(json.dumps({"type": "subscribe", "id": self.id, "payload": subscribe}))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:

        try:
            for raw in self.ws:
                message = json.loads(raw)
                if message.get("type") == "ping":
                    self.ws.send(json.dumps({"type": "pong"}))
                elif message.get("type") != "pong":
                    self.messages.put(message)
        except ConnectionClosed as exc:
            self.messages.put(SubscriptionEndedError(f"the socket closed: {exc}"))
        else:
            closed = f"{self.ws.close_code} {self.ws.close_reason or ''}".strip()
            self.messages.put(SubscriptionEndedError(f"closed normally: {closed}"))

    def next_change(self, timeout: float) -> Json | None:
        """The next change, None if none arrives within `timeout`; raises if the subscription
        ended."""
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(message, BaseException):
            raise message
        kind: str = message["type"]
        payload: Any = message.get("payload")
        if kind == "next" and not payload.get("errors"):
            change: Json = payload["data"]["readingChanges"]
            return change
        if kind == "next":
            raise SubscriptionEndedError(f"next with errors: {payload}", list(payload["errors"]))
        if kind == "error":
            raise SubscriptionEndedError(f"error: {payload}", list(payload))
        raise SubscriptionEndedError(f"the server sent {message}")

    def collect_until(self, done: Callable[[Json], bool], timeout: float) -> list[Json]:
        """Every change up to and including the first for which `done` holds, within
        `patient(timeout)`."""
        timeout = patient(timeout)
        deadline = time.monotonic() + timeout
        seen: list[Json] = []
        while True:
            remaining = deadline - time.monotonic()
            change = self.next_change(max(remaining, 0)) if remaining > 0 else None
            if change is None:
                raise AssertionError(f"nothing more within {timeout:g} s; received {seen}")
            seen.append(change)
            if done(change):
                return seen

    def close(self) -> None:
        self.stack.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Subscriber:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prime(subscriber: Subscriber, write: Callable[[int], None], *, timeout: float = 30.0) -> None:
    """Write (write(n), n = 1, 2, ...) until one of those writes arrives.

    A subscription receives the changes made from about one poll interval after it starts
    (the contract); there is no message that says when. A write that arrives shows the stream
    is being read, and every later write will arrive. Anything that arrived before is drained.
    """
    timeout = patient(timeout)
    deadline = time.monotonic() + timeout
    for n in itertools.count(1):
        write(n)
        change = subscriber.next_change(timeout=patient(1.0))
        if change is not None:
            while subscriber.next_change(timeout=0.5) is not None:
                pass
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no change arrived within {timeout:g} s of writing")
