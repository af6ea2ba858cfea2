"""The WebSocket itself: keys (4403), caps, init timeout, pings, origins, and coded endings.

Servers run the embedded backend, one per group of tests; where a test needs the hub to fail
in a given way, the app gets a hub over a hand-written ChangeSource (tests/live/fakes.py),
which each test scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import websockets

from gql.errors import StreamDisabledError, StreamGapError
from gql.live.hub import Hub
from gql.web.app import create_app
from tests.api.conftest import serve_in_thread, settings_for
from tests.live.fakes import FakeSource, change
from tests.live.wsclient import PROTOCOLS, TRANSPORT_WS, GraphQLSocket, connect, session
from tests.timing import patient

CHANGES = "subscription { readingChanges { kind datacount } }"
KEY = "k-0123456789"


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def server(hub: Hub | None = None, **overrides: Any) -> Iterator[str]:
    settings = settings_for("Devices", backend="embedded", **overrides)
    with serve_in_thread(create_app(settings, hub=hub)) as url:
        yield url


@pytest.fixture(scope="module")
def limited() -> Iterator[str]:
    """Small limits that do not get in each other's way."""
    with server(
        max_subscriptions_per_connection=2,
        ws_init_timeout=0.3,
        ws_ping_seconds=0.1,
        cors_origins=("https://dash.example",),
    ) as url:
        yield url


@dataclass
class Scripted:
    url: str
    hub: Hub
    source: FakeSource


@pytest.fixture(scope="module")
def scripted() -> Iterator[Scripted]:
    """A server whose hub reads a FakeSource; each test scripts it."""
    source = FakeSource()
    hub = Hub(source, poll_seconds=0.05, buffer=4)
    with server(hub) as url:
        yield Scripted(url, hub, source)
    source.open_error = None


# -- credentials --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed() -> Iterator[str]:
    with server(api_keys=frozenset({KEY, "another-key"})) as url:
        yield url


@pytest.mark.parametrize(
    "payload", [None, {"x-api-key": "wrong"}, {"x-api-key": KEY[:-1]}, {"x-api-key": 7}]
)
async def test_a_socket_without_a_valid_key_is_closed_with_4403(
    keyed: str, protocol: str, payload: dict[str, Any] | None
) -> None:
    async with connect(keyed, protocol) as socket:
        await socket.send({"type": "connection_init", "payload": payload or {}})
        if protocol != TRANSPORT_WS:  # legacy graphql-ws says why before closing
            refused = await socket.receive()
            assert refused["type"] == "connection_error"
            assert refused["payload"]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await socket.closed_with() == 4403


async def test_a_key_in_the_connection_init_payload_is_accepted(keyed: str, protocol: str) -> None:
    async with session(keyed, protocol, {"x-api-key": KEY}) as socket:
        await socket.subscribe("1", "subscription { readingChanges { kind } }")
        with pytest.raises(TimeoutError):  # running, nothing to say yet
            await socket.receive(timeout=0.3)


async def test_a_key_on_the_upgrade_request_is_accepted(keyed: str, protocol: str) -> None:
    async with connect(keyed, protocol, headers={"x-api-key": KEY}) as socket:
        assert (await socket.init())["type"] == "connection_ack"


async def test_without_keys_configured_no_key_is_needed(limited: str, protocol: str) -> None:
    async with connect(limited, protocol) as socket:
        assert (await socket.init())["type"] == "connection_ack"


# -- limits -------------------------------------------------------------------------------------


async def test_subscriptions_per_connection_are_capped(limited: str, protocol: str) -> None:
    async with session(limited, protocol) as socket:
        for op_id in ("1", "2", "3"):
            await socket.subscribe(op_id, CHANGES)
        refused = await socket.receive()
    assert refused["id"] == "3"
    assert refused["type"] == "error"
    errors = refused["payload"] if isinstance(refused["payload"], list) else [refused["payload"]]
    assert errors[0]["message"] == "Subscription limit reached"


async def test_sockets_beyond_the_cap_are_closed_with_1013_and_later_ones_served() -> None:
    with server(max_sockets=2) as url:
        for protocol in PROTOCOLS:
            async with (
                session(url, protocol),
                session(url, protocol),
                connect(url, protocol) as third,
            ):
                assert await third.closed_with() == 1013
            # The first two have closed: a later socket is served once the server has seen
            # them go (on a loaded machine, a moment after the client did).
            assert await served_soon(url, protocol)


async def served_soon(url: str, protocol: str) -> bool:
    deadline = time.monotonic() + patient(5)
    while True:
        try:
            async with session(url, protocol) as again:
                return again.protocol == protocol
        except websockets.ConnectionClosedError as exc:
            if exc.rcvd is None or exc.rcvd.code != 1013 or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


async def test_a_socket_that_never_sends_connection_init_is_closed_with_4408(
    limited: str, protocol: str
) -> None:
    async with connect(limited, protocol) as socket:
        started = time.monotonic()
        assert await socket.closed_with() == 4408
    assert time.monotonic() - started < patient(3)  # the 0.3 s init timeout, not another


async def test_the_server_keeps_idle_sockets_alive(limited: str, protocol: str) -> None:
    async with session(limited, protocol) as socket:
        raw = [await asyncio.wait_for(socket.connection.recv(), 3) for _ in range(3)]
    expected = '{"type":"ping"}' if protocol == TRANSPORT_WS else '{"type":"ka"}'
    assert raw == [expected] * 3  # text frames, every one


async def test_cross_origin_sockets_need_an_allowed_origin(limited: str, protocol: str) -> None:
    async with connect(limited, protocol, origin="https://dash.example") as socket:
        assert (await socket.init())["type"] == "connection_ack"
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect(limited, protocol, origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403


# -- coded endings ------------------------------------------------------------------------------


async def ended(url: str, protocol: str) -> list[str]:
    async with session(url, protocol) as socket:
        await socket.subscribe("1", CHANGES)
        codes, _ = await socket.ending("1")
        return codes


async def test_a_disabled_stream_fails_the_subscription_with_stream_disabled(
    scripted: Scripted, protocol: str
) -> None:
    scripted.source.open_error = StreamDisabledError("the stream is off: gql table stream on")
    async with session(scripted.url, protocol) as socket:
        await socket.subscribe("1", CHANGES)
        message = await socket.receive()
    scripted.source.open_error = None
    error = message["payload"]["errors"][0]
    assert error["extensions"]["code"] == "STREAM_DISABLED"
    assert "gql table stream on" in error["message"]


async def test_a_gap_ends_the_subscription_with_stream_gap_then_complete(
    scripted: Scripted, protocol: str
) -> None:
    scripted.source.push([change(datacount=1)], StreamGapError("the stream was re-created"))
    async with session(scripted.url, protocol) as socket:
        await socket.subscribe("1", CHANGES)
        delivered = await socket.change("1")
        codes, closing = await socket.ending("1")
        still_open = await socket_answers(socket)
    assert delivered == {"kind": "INSERT", "datacount": 1}
    assert (codes, closing) == (["STREAM_GAP"], "complete")
    assert still_open  # the operation ended, not the socket


async def socket_answers(socket: GraphQLSocket) -> bool:
    await socket.subscribe("2", "subscription { readingChanges(kinds: []) { kind } }")
    payload = await socket.event("2")
    return bool(payload["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT")


async def test_an_unexpected_failure_is_masked(scripted: Scripted, protocol: str) -> None:
    scripted.source.open_error = RuntimeError("secret-host.internal:8000 refused")
    async with session(scripted.url, protocol) as socket:
        await socket.subscribe("1", CHANGES)
        message = await socket.receive()
    scripted.source.open_error = None
    [error] = message["payload"]["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret-host" not in str(message)


async def test_a_subscriber_that_falls_behind_gets_slow_consumer(
    scripted: Scripted, protocol: str
) -> None:
    hub = scripted.hub  # its buffer holds 4 changes
    burst = [change("burst", n) for n in range(3000)]
    async with session(scripted.url, protocol) as socket:
        await socket.subscribe("1", CHANGES)
        await asyncio.sleep(patient(0.2))
        for c in burst:  # far faster than any socket drains
            hub.publish(c)
        received = 0
        while (message := await socket.receive())["payload"].get("data"):
            received += 1
        codes = [e["extensions"]["code"] for e in message["payload"]["errors"]]
        assert await socket.receive() == {"id": "1", "type": "complete"}
    assert codes == ["SLOW_CONSUMER"]
    assert received < len(burst)
    for _ in range(round(patient(100))):  # 2 s, on a quiet machine
        if hub.subscriptions == 0:
            break
        await asyncio.sleep(0.02)
    assert hub.subscriptions == 0  # nothing kept for it
