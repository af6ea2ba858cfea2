"""Subscriptions that share their document, variables and scopes run once (gql/web/fanout.py):
the hub sees one subscriber for them all, and each socket still gets every change, under its
own id, with its own buffer and its own end."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from starlette.routing import WebSocketRoute
from strawberry.types import ExecutionResult

from gql.errors import StreamGapError
from gql.live import Tally
from gql.live.hub import Hub
from gql.web.app import GraphQLApp, create_app
from gql.web.fanout import Frame, Shared, share_key
from tests.api.conftest import serve_in_thread, settings_for
from tests.live.fakes import FakeSource, change
from tests.live.wsclient import PROTOCOLS, GraphQLSocket, session
from tests.timing import patient

CHANGES = "subscription($d: ID) { readingChanges(deviceId: $d) { kind deviceId datacount } }"
READER = "k-reader-0123456789"
BOTH = "k-both-0123456789"


Scripted = tuple[str, Hub, FakeSource, Shared]


@pytest.fixture(scope="module")
def scripted() -> Iterator[Scripted]:
    """The server, its hub, the source feeding it, and its groups of shared subscriptions
    (a subscription is a member once the server has handled its message: a change pushed
    before then is not its to receive)."""
    source = FakeSource()
    hub = Hub(source, poll_seconds=0.05)
    keys = frozenset({f"{READER}=readings:read", f"{BOTH}=readings:read readings:write"})
    settings = settings_for("Devices", backend="embedded", api_keys=keys)
    app = create_app(settings, hub=hub)
    view = next(r.endpoint for r in app.routes if isinstance(r, WebSocketRoute))
    assert isinstance(view, GraphQLApp)
    with serve_in_thread(app) as url:
        yield url, hub, source, view.shared


async def until(condition: Any, what: str) -> None:
    for _ in range(int(patient(200))):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def data_of(socket: GraphQLSocket, op_id: str) -> dict[str, Any]:
    message = await socket.receive()
    assert message["id"] == op_id, message
    assert message["type"] in ("next", "data"), message
    data: dict[str, Any] = message["payload"]["data"]["readingChanges"]
    return data


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscribers_of_one_document_are_one_subscriber_of_the_hub(
    scripted: Scripted, protocol: str
) -> None:
    url, hub, source, shared = scripted
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(session(url, protocol, {"x-api-key": READER}))
            for _ in range(5)
        ]
        for n, socket in enumerate(sockets):
            await socket.subscribe(f"op-{n}", CHANGES, {"d": "shared"})
        await until(lambda: hub.subscriptions == 1, "the group subscribed")
        await until(lambda: shared.members == 5, "every subscription joined the group")
        source.push([change("shared", 7), change("other", 8), change("shared", 9)])

        for n, socket in enumerate(sockets):
            got = [await data_of(socket, f"op-{n}") for _ in range(2)]
            assert [(c["deviceId"], c["datacount"]) for c in got] == [("shared", 7), ("shared", 9)]
        assert hub.subscriptions == 1
    await until(lambda: hub.subscriptions == 0, "the group ended with its last member")


async def test_other_variables_or_other_scopes_make_other_groups(
    scripted: Scripted,
) -> None:
    url, hub, source, _ = scripted
    async with (
        session(url, PROTOCOLS[0], {"x-api-key": READER}) as a,
        session(url, PROTOCOLS[0], {"x-api-key": READER}) as b,
        session(url, PROTOCOLS[0], {"x-api-key": BOTH}) as c,
    ):
        await a.subscribe("1", CHANGES, {"d": "dev-a"})
        await b.subscribe("1", CHANGES, {"d": "dev-b"})
        await c.subscribe("1", CHANGES, {"d": "dev-a"})  # the same as a, other scopes
        await until(lambda: hub.subscriptions == 3, "three groups")
        source.push([change("dev-b", 1), change("dev-a", 2)])

        assert (await data_of(a, "1"))["datacount"] == 2
        assert (await data_of(b, "1"))["datacount"] == 1
        assert (await data_of(c, "1"))["datacount"] == 2


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_gap_ends_every_member_with_its_code_and_then_completes(
    scripted: Scripted, protocol: str
) -> None:
    url, hub, source, shared = scripted
    async with (
        session(url, protocol, {"x-api-key": READER}) as one,
        session(url, protocol, {"x-api-key": READER}) as two,
    ):
        await one.subscribe("x", CHANGES, {"d": "gap"})
        await two.subscribe("y", CHANGES, {"d": "gap"})
        await until(lambda: hub.subscriptions == 1, "the group subscribed")
        await until(lambda: shared.members == 2, "both joined the group")
        source.push(StreamGapError("the stream was replaced"))
        for socket, op_id in ((one, "x"), (two, "y")):
            ended = await socket.receive()
            assert ended["id"] == op_id
            assert ended["payload"]["data"] is None
            assert ended["payload"]["errors"][0]["extensions"]["code"] == "STREAM_GAP"
            assert "path" not in ended["payload"]["errors"][0]  # as the resolver raising it gives
            assert (await socket.receive())["type"] == "complete"


# -- the group's members, without sockets ---------------------------------------------------


def result(n: int) -> ExecutionResult:
    return ExecutionResult(data={"readingChanges": {"datacount": n}}, errors=None)


@contextlib.asynccontextmanager
async def group_of(
    results: list[ExecutionResult], capacity: int
) -> AsyncIterator[tuple[Shared, Any, asyncio.Event]]:
    released = asyncio.Event()

    async def stream() -> AsyncIterator[ExecutionResult]:
        await released.wait()
        for item in results:
            yield item
            # Let a member that reads take it before the next comes (asyncio runs callbacks
            # in order: the woken reader goes first).
            for _ in range(3):
                await asyncio.sleep(0)

    async def start() -> AsyncIterator[ExecutionResult]:
        return stream()

    yield Shared(capacity, Tally()), start, released


async def test_a_member_that_falls_behind_ends_alone_with_slow_consumer() -> None:
    async with (
        group_of([result(n) for n in range(5)], capacity=3) as (shared, start, go),
        shared.join("k", start) as reader,
        shared.join("k", start) as idle,
    ):
        go.set()
        read: list[Frame] = [frame async for frame in reader]
        left: list[Frame] = [frame async for frame in idle]

    assert [f.text for f in read] == [
        f'{{"data":{{"readingChanges":{{"datacount":{n}}}}}}}' for n in range(5)
    ]
    assert [f.codes for f in left] == [("SLOW_CONSUMER",)]
    assert shared.tally.dropped == 4  # the three it held and the one that did not fit
    assert shared.tally.delivered == 6  # five to the reader, the error to the idle one


async def test_a_document_that_is_no_subscription_is_not_shared() -> None:
    assert share_key("{ device(deviceId: 1) { deviceId } }", None, {}, frozenset()) is None
    assert share_key("subscription {", None, {}, frozenset()) is None
