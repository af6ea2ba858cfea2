"""Sockets that never send connection_init cannot keep a client with a valid key out.

`gql serve` with API keys and room for 20 sockets, of which 2 (the default tenth) may wait
for their connection_init; the init timeout is long, so that it is not what frees the slots.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.integration.conftest import Server, bare_env
from tests.live.wsclient import PROTOCOLS, GraphQLSocket, connect, session

KEY = "pending-tests-key-0123456789"
MAX_SOCKETS = 20
CHANGES = "subscription { readingChanges { kind } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = bare_env(
        GQL_API_KEYS=KEY,
        GQL_MAX_SOCKETS=str(MAX_SOCKETS),
        GQL_WS_INIT_TIMEOUT="120",
        GQL_CURSOR_SECRET="pending-socket-tests-secret",
    )
    with Server(env, tmp_path_factory.mktemp("socket-pending")) as served:
        yield served


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def keyed_client_gets_in(server: Server, protocol: str) -> None:
    async with session(server.url, protocol, {"x-api-key": KEY}) as socket:
        await socket.subscribe("1", CHANGES)
        with pytest.raises(TimeoutError):  # running: nothing to say until a change comes
            await socket.receive(timeout=0.5)


async def test_sockets_without_connection_init_cannot_keep_a_keyed_client_out(
    server: Server, protocol: str
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        idle: list[GraphQLSocket] = []
        for round_ in range(3):  # an attacker that keeps opening sockets
            for _ in range(MAX_SOCKETS):
                idle.append(await stack.enter_async_context(connect(server.url, protocol)))
            await keyed_client_gets_in(server, protocol)
            print(f"round {round_}: {len(idle)} idle sockets opened, the keyed client got in")
        # Each idle socket beyond the two most recent was closed to make room: 1013, retry.
        codes = [await socket.closed_with(timeout=10) for socket in idle[:-2]]
    assert codes == [1013] * (len(idle) - 2)


async def test_acknowledged_sockets_still_fill_the_server(server: Server) -> None:
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(MAX_SOCKETS):
            protocol = PROTOCOLS[0]
            await stack.enter_async_context(session(server.url, protocol, {"x-api-key": KEY}))
        async with connect(server.url, PROTOCOLS[1]) as refused:
            assert await refused.closed_with() == 1013
