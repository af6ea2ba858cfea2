"""readingChanges over a real WebSocket, on the embedded backend (the store publishes its writes).

Each test speaks both subprotocols (graphql-transport-ws and legacy graphql-ws) to a server
started as `gql serve` starts it with nothing configured, only with some limits changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from gql.models import Reading, ReadingInfo
from gql.store import start_embedded
from gql.web.app import create_app
from tests.api.conftest import serve_in_thread, settings_for
from tests.live.wsclient import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, GraphQLSocket, session
from tests.timing import patient

CHANGES = """subscription ($d: ID, $filter: ReadingCondition, $kinds: [ChangeKind!]) {
  readingChanges(deviceId: $d, filter: $filter, kinds: $kinds) {
    kind deviceId datacount changedAt
    reading { version info { infoTimestamp temperature1 } }
    previous { version info { temperature1 } }
  }
}"""
PUT = """mutation ($d: ID!, $n: Int!, $t: Float) {
  putReading(reading: {deviceId: $d, datacount: $n, info: {infoTimestamp: "1", temperature1: $t}}) {
    __typename
  }
}"""
UPDATE = """mutation ($d: ID!, $n: Int!, $t: Float) {
  updateReading(deviceId: $d, datacount: $n, info: {temperature1: $t}) { __typename }
}"""
DELETE = """mutation ($d: ID!, $n: Int!) {
  deleteReadingIf(deviceId: $d, datacount: $n, condition: {infoTimestamp: {exists: true}}) {
    __typename
  }
}"""


class Server:
    def __init__(self, base_url: str) -> None:
        self.url = base_url
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10)

    async def write(self, document: str, **variables: Any) -> None:
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables}
        )
        body = response.json()
        assert "errors" not in body, body
        assert next(iter(body["data"].values()))["__typename"] == "Reading", body


# Shorter than the default, so that the tests of per-call budgets on sockets wait less; still
# roomy for one store call on a slow machine.
BUDGET = patient(1.0)


@pytest.fixture(scope="module")
def shared_url() -> Iterator[str]:
    """One server for the module's tests (kept apart by device)."""
    settings = settings_for("Devices", backend="embedded", request_timeout=BUDGET)
    with serve_in_thread(create_app(settings)) as url:
        yield url


@contextlib.asynccontextmanager
async def client(url: str) -> AsyncIterator[Server]:
    served = Server(url)
    try:
        yield served
    finally:
        await served.http.aclose()


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def device() -> str:
    return f"dev-{uuid.uuid4().hex[:10]}"


async def subscribed(socket: GraphQLSocket, **variables: Any) -> None:
    await socket.subscribe("1", CHANGES, variables)
    # The subscription starts when the server has run the resolver up to the hub; there is no
    # message for that, so give it a moment (the contract: changes from about then on).
    await asyncio.sleep(patient(0.2))


async def test_writes_through_the_api_arrive_in_order_with_kind_and_images(
    shared_url: str, protocol: str, device: str
) -> None:
    async with client(shared_url) as api, session(api.url, protocol) as socket:
        await subscribed(socket, d=device)
        await api.write(PUT, d=device, n=1, t=20.5)
        await api.write(UPDATE, d=device, n=1, t=21.5)
        await api.write(DELETE, d=device, n=1)
        insert, modify, remove = [await socket.change("1") for _ in range(3)]
    assert (insert["kind"], insert["deviceId"], insert["datacount"]) == ("INSERT", device, 1)
    assert insert["reading"] == {"version": 1, "info": {"infoTimestamp": "1", "temperature1": 20.5}}
    assert insert["previous"] is None
    assert modify["kind"] == "MODIFY"
    assert modify["reading"] == {"version": 2, "info": {"infoTimestamp": "1", "temperature1": 21.5}}
    assert modify["previous"] == {"version": 1, "info": {"temperature1": 20.5}}
    assert remove["kind"] == "REMOVE"
    assert remove["reading"] is None
    assert remove["previous"] == {"version": 2, "info": {"temperature1": 21.5}}
    times = [datetime.fromisoformat(c["changedAt"]) for c in (insert, modify, remove)]
    assert times == sorted(times)
    assert abs(times[0].timestamp() - datetime.now().timestamp()) < 60


async def test_only_the_changes_asked_for_are_sent(
    shared_url: str, protocol: str, device: str
) -> None:
    other = device + "-other"
    async with client(shared_url) as api, session(api.url, protocol) as socket:
        await subscribed(
            socket, d=device, filter={"temperature1": {"gt": 25}}, kinds=["INSERT", "MODIFY"]
        )
        await api.write(PUT, d=other, n=1, t=30)  # another device
        await api.write(PUT, d=device, n=1, t=20)  # not hot
        await api.write(PUT, d=device, n=2, t=26)  # hot: sent
        await api.write(PUT, d=device, n=3)  # no temperature1: a comparison fails
        await api.write(UPDATE, d=device, n=1, t=27)  # now hot: sent
        await api.write(DELETE, d=device, n=2)  # hot, but a REMOVE
        await api.write(PUT, d=device, n=4, t=99)  # the last one, to know nothing else came
        received = [await socket.change("1") for _ in range(3)]
    assert [(c["kind"], c["datacount"]) for c in received] == [
        ("INSERT", 2),
        ("MODIFY", 1),
        ("INSERT", 4),
    ]


async def test_a_filter_on_removals_holds_for_the_reading_removed(
    shared_url: str, protocol: str, device: str
) -> None:
    async with client(shared_url) as api, session(api.url, protocol) as socket:
        await api.write(PUT, d=device, n=1, t=10)
        await api.write(PUT, d=device, n=2, t=50)
        await subscribed(socket, d=device, filter={"temperature1": {"gte": 50}}, kinds=["REMOVE"])
        await api.write(DELETE, d=device, n=1)
        await api.write(DELETE, d=device, n=2)
        removed = await socket.change("1")
    assert (removed["kind"], removed["datacount"]) == ("REMOVE", 2)
    assert removed["previous"]["info"]["temperature1"] == 50


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"kinds": []}, "kinds: give at least one kind"),
        ({"d": ""}, "deviceId: must not be empty"),
        ({"filter": {"temperature1": {"between": [1, 2, 3]}}}, "filter.temperature1.between"),
        ({"filter": {"temperature1": {}}}, "filter.temperature1: give at least one operator"),
    ],
)
async def test_bad_arguments_are_refused_with_bad_user_input(
    shared_url: str, protocol: str, variables: dict[str, Any], message: str
) -> None:
    async with client(shared_url) as api, session(api.url, protocol) as socket:
        await socket.subscribe("1", CHANGES, variables)
        payload = await socket.event("1")
        assert payload["data"] is None
        [error] = payload["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert message in error["message"]


async def test_queries_over_the_socket_see_fresh_data_and_get_a_budget_each(
    shared_url: str, device: str
) -> None:
    # Over graphql-transport-ws only: Strawberry runs subscriptions alone over legacy graphql-ws.
    query = """query ($d: ID!) { reading(deviceId: $d, datacount: 1) { info { temperature1 } } }"""
    async with client(shared_url) as api, session(api.url, TRANSPORT_WS) as socket:
        await api.write(PUT, d=device, n=1, t=1.5)
        await socket.subscribe("q1", query, {"d": device})
        first = await socket.event("q1")
        await asyncio.sleep(BUDGET + 0.2)  # longer than one request's time budget
        await api.write(UPDATE, d=device, n=1, t=2.5)
        await socket.receive()  # the complete of q1
        await socket.subscribe("q2", query, {"d": device})
        second = await socket.event("q2")
    assert first == {"data": {"reading": {"info": {"temperature1": 1.5}}}}
    assert second == {"data": {"reading": {"info": {"temperature1": 2.5}}}}


async def test_device_stats_over_the_socket_get_a_time_budget_of_their_own(device: str) -> None:
    # Device.stats stops reading before the request's deadline: on a socket that deadline is
    # each operation's own, not one made when the socket connected.
    # More readings than the walk's first Query asks for (500), so that it must decide
    # whether there is time for a second one. They are written straight into the store: the
    # writes are not under test, and through the API they would spend the short budget.
    # Its own budget, roomier than BUDGET: room for the walk's two Queries on a slow machine.
    budget = patient(3.0)
    query = """query ($d: ID!) { device(deviceId: $d) { stats { count complete } } }"""
    settings = settings_for("Devices-stats", backend="embedded", request_timeout=budget)
    embedded = start_embedded(settings)
    try:
        store = embedded.store(settings.table)
        store.batch_put(Reading(device, n, ReadingInfo("1")) for n in range(600))
        with serve_in_thread(create_app(settings, store=store)) as url:
            async with session(url, TRANSPORT_WS) as socket:
                await asyncio.sleep(budget + 0.2)  # longer than one request's time budget
                await socket.subscribe("q1", query, {"d": device})
                answer = await socket.event("q1", timeout=patient(10))
    finally:
        embedded.close()
    assert answer == {"data": {"device": {"stats": {"count": 600, "complete": True}}}}


async def test_a_subscription_outlives_the_request_time_budget(
    shared_url: str, device: str
) -> None:
    # Each event reads the device's latest reading from the store: that read gets a budget of
    # its own, not what is left of one made when the socket connected. Over legacy graphql-ws;
    # the test above shows the same over graphql-transport-ws.
    protocol = LEGACY_WS
    document = """subscription ($d: ID) {
      readingChanges(deviceId: $d) { kind reading { device { latestReading { datacount } } } }
    }"""
    async with client(shared_url) as api, session(api.url, protocol) as socket:
        await socket.subscribe("1", document, {"d": device})
        await asyncio.sleep(BUDGET + 0.2)
        await api.write(PUT, d=device, n=1, t=1)
        change = await socket.change("1")
    assert change == {"kind": "INSERT", "reading": {"device": {"latestReading": {"datacount": 1}}}}
