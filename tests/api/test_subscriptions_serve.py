"""`gql serve` as a real process with nothing configured: live changes, and SIGTERM.

The last test of the module stops the module's server.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import pytest

from tests.integration.conftest import Server, bare_env
from tests.live.wsclient import LEGACY_WS, TRANSPORT_WS, session
from tests.timing import patient

CHANGES = """subscription ($d: ID) {
  readingChanges(deviceId: $d) { kind deviceId datacount reading { info { temperature1 } } }
}"""
PUT = """mutation ($d: ID!) {
  putReading(reading: {deviceId: $d, datacount: 1, info: {infoTimestamp: "1", temperature1: 5.5}}) {
    __typename
  }
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(bare_env(), tmp_path_factory.mktemp("serve-live")) as served:
        yield served


async def test_a_change_made_through_the_api_reaches_a_subscriber(server: Server) -> None:
    async with session(server.url, TRANSPORT_WS) as socket:
        await socket.subscribe("1", CHANGES, {"d": "serve-1"})
        await asyncio.sleep(patient(0.3))
        response = await asyncio.to_thread(
            server.http.post, "/graphql", json={"query": PUT, "variables": {"d": "serve-1"}}
        )
        assert response.json() == {"data": {"putReading": {"__typename": "Reading"}}}
        change = await socket.change("1")
    assert change == {
        "kind": "INSERT",
        "deviceId": "serve-1",
        "datacount": 1,
        "reading": {"info": {"temperature1": 5.5}},
    }


async def test_a_socket_message_larger_than_the_body_limit_closes_the_socket(
    server: Server,
) -> None:
    async with session(server.url, TRANSPORT_WS) as socket:
        padding = "#" * (64 * 1024)  # a comment: a valid document, over GQL_MAX_BODY_BYTES
        await socket.subscribe("1", f"{padding}\n{CHANGES}")
        assert await socket.closed_with() == 1009  # message too big


async def test_sigterm_completes_open_subscriptions_then_closes_the_sockets(
    server: Server,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(session(server.url, protocol))
            for protocol in (TRANSPORT_WS, LEGACY_WS)
        ]
        for socket in sockets:
            await socket.subscribe("1", CHANGES)
        await asyncio.sleep(patient(0.3))
        exited = asyncio.create_task(asyncio.to_thread(server.terminate, patient(15)))
        for socket in sockets:
            assert await socket.receive(timeout=patient(10)) == {"id": "1", "type": "complete"}
            assert await socket.closed_with(timeout=patient(10)) in (1000, 1001, 1012)
        # The exit code is the business of HTTP graceful shutdown (branch obs): uvicorn re-raises
        # the SIGTERM it caught once it has shut down.
        assert await exited in (0, -signal.SIGTERM)
