"""Hostile WebSocket messages against `gql serve`, on both subprotocols.

- what is not a message of the protocol closes the socket with 4400 and a reason;
- every error an operation meets arrives as `error` (or `next`/`data` with errors) with the
  code HTTP gives, and the socket stays open;
- the server's log gets neither a traceback nor the client's document or variables.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from tests.integration.conftest import Server, bare_env
from tests.live.rawws import RawWebSocket
from tests.live.wsclient import LEGACY_WS, PROTOCOLS, TRANSPORT_WS, GraphQLSocket, session

MAX_OPERATIONS = 3
# Put in documents and variables: the log must never show it.
MARKER = "hostileMarker7f3a"
CHANGES = "subscription { readingChanges { kind datacount } }"
BY_DEVICE = "subscription ($d: ID) { readingChanges(deviceId: $d) { kind } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = bare_env(
        GQL_MAX_SUBSCRIPTIONS_PER_CONNECTION=str(MAX_OPERATIONS),
        GQL_CURSOR_SECRET="socket-message-tests-secret",
        GQL_REQUEST_TIMEOUT="30",  # the embedded table is slow on a busy machine
    )
    with Server(env, tmp_path_factory.mktemp("socket-messages")) as served:
        yield served


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def start(protocol: str) -> str:
    return "subscribe" if protocol == TRANSPORT_WS else "start"


async def close_reason(socket: GraphQLSocket, timeout: float = 10) -> tuple[int | None, str]:
    """(code, reason) the server closed with, skipping what came before; (None, "still
    open") when it has not closed within `timeout`."""
    try:
        while True:
            await asyncio.wait_for(socket.connection.recv(), timeout)
    except websockets.ConnectionClosed as closed:
        received = closed.rcvd
        return (received.code, received.reason) if received else (None, "")
    except TimeoutError:
        return None, "still open"


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors of an `error` message: a list (graphql-transport-ws) or one (legacy)."""
    assert message["type"] == "error", message
    payload = message["payload"]
    return payload if isinstance(payload, list) else [payload]


# -- not a message of the protocol: 4400 ---------------------------------------------------------

NOT_MESSAGES = {
    "an array": "[1,2]",
    "a string": '"hello"',
    "a number": "7",
    "null": "null",
    "no type": '{"id": "1"}',
    "a numeric type": '{"type": 5}',
    "an unknown type": '{"type": "subscribe-all"}',
    "not JSON": "{'type': 'connection_init'",
}


@pytest.mark.parametrize("text", NOT_MESSAGES.values(), ids=NOT_MESSAGES.keys())
async def test_what_is_not_a_message_closes_with_4400(
    server: Server, protocol: str, text: str
) -> None:
    async with session(server.url, protocol) as socket:
        await socket.connection.send(text)
        code, reason = await close_reason(socket)
    assert code == 4400
    assert reason.startswith("Invalid message")


async def test_a_binary_frame_closes_with_4400(server: Server, protocol: str) -> None:
    async with session(server.url, protocol) as socket:
        await socket.connection.send(b'{"type": "ping"}')
        assert await close_reason(socket) == (
            4400,
            "Invalid message: WebSocket message type must be text",
        )


async def test_a_message_before_connection_init_is_checked_too(
    server: Server, protocol: str
) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[protocol]) as connection:  # type: ignore[list-item]
        await connection.send("[1,2]")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400


BAD_REQUESTS: dict[str, tuple[object, str]] = {
    "no payload": (None, "payload must be an object"),
    "a list payload": ([1], "payload must be an object"),
    "a numeric query": ({"query": 123}, "payload.query must be a string"),
    "no query": ({"variables": {}}, "payload.query must be a string"),
    "a numeric operationName": ({"query": CHANGES, "operationName": 7}, "operationName"),
    "string variables": ({"query": CHANGES, "variables": "x"}, "payload.variables"),
    "list variables": ({"query": CHANGES, "variables": [1]}, "payload.variables"),
    "string extensions": ({"query": CHANGES, "extensions": "x"}, "payload.extensions"),
}


@pytest.mark.parametrize(("payload", "says"), BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
async def test_a_request_with_fields_of_the_wrong_type_closes_with_4400(
    server: Server, protocol: str, payload: object, says: str
) -> None:
    message: dict[str, Any] = {"id": "1", "type": start(protocol)}
    if payload is not None:
        message["payload"] = payload
    async with session(server.url, protocol) as socket:
        await socket.send(message)
        if protocol == LEGACY_WS:  # the legacy protocol has a place for it: the operation's error
            error = errors_of(await socket.receive())[0]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert says in error["message"]
        code, reason = await close_reason(socket)
    assert code == 4400
    assert says in reason


async def test_an_operation_without_an_id_closes_with_4400(server: Server, protocol: str) -> None:
    async with session(server.url, protocol) as socket:
        await socket.send({"id": 1, "type": start(protocol), "payload": {"query": CHANGES}})
        code, reason = await close_reason(socket)
    assert (code, reason) == (
        4400,
        f"Invalid message: {start(protocol)} needs an id, a non-empty string",
    )


# -- errors an operation meets: coded, as over HTTP ----------------------------------------------


def too_deep() -> str:
    inner = "deviceId"
    for _ in range(6):
        inner = f"device {{ latestReading {{ {inner} }} }}"
    return f"subscription {{ readingChanges {{ reading {{ {inner} }} }} }}"


ALIASES = "subscription { readingChanges { " + " ".join(f"a{n}: kind" for n in range(40)) + " } }"
REQUEST_ERRORS = {
    "a syntax error": ("subscription {", None, "Syntax Error"),
    "too many tokens": (
        "subscription { readingChanges { " + "kind " * 3000 + "} }",
        None,
        "more than 2000 tokens",
    ),
    "too deep": (too_deep(), None, "exceeds maximum operation depth"),
    "too many aliases": (ALIASES, None, "aliases"),
    "an unknown field": ("subscription { readingChanges { nope } }", None, "nope"),
    "an unknown operation name": (
        f"subscription {MARKER} {{ readingChanges {{ kind }} }}",
        "Nope",
        "Nope",
    ),
    "a variable of the wrong type": (
        BY_DEVICE,
        {"d": {"x": MARKER}},
        "$d",
    ),
    "a number DynamoDB cannot store": (
        "subscription ($t: Float) { readingChanges(filter: {temperature1: {gt: $t}}) { kind } }",
        {"t": "1e400"},
        "$t",
    ),
    "an empty document": ("", None, ""),
}


@pytest.mark.parametrize(
    ("query", "extra", "says"), REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys()
)
async def test_a_request_error_is_an_error_message_with_bad_user_input(
    server: Server, protocol: str, query: str, extra: Any, says: str
) -> None:
    payload: dict[str, Any] = {"query": query}
    if isinstance(extra, str):
        payload["operationName"] = extra
    elif extra is not None:
        payload["variables"] = extra
    async with session(server.url, protocol) as socket:
        if extra == {"t": "1e400"}:  # as written by a client: a JSON number, not a string
            text = json.dumps({"id": "1", "type": start(protocol), "payload": payload})
            await socket.connection.send(text.replace('"1e400"', "1e400"))
        else:
            await socket.send({"id": "1", "type": start(protocol), "payload": payload})
        message = await socket.receive(timeout=10)
        assert message["id"] == "1"
        (error,) = errors_of(message)
        # The socket is still open, and the operation's id free again.
        await socket.subscribe("1", CHANGES)
        await socket.send({"id": "1", "type": "complete" if protocol == TRANSPORT_WS else "stop"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert says in error["message"]


async def test_operations_beyond_the_limit_get_a_coded_error(server: Server, protocol: str) -> None:
    async with session(server.url, protocol) as socket:
        for op_id in range(MAX_OPERATIONS + 1):
            await socket.subscribe(str(op_id), CHANGES)
        refused = await socket.receive()
    assert refused["id"] == str(MAX_OPERATIONS)
    (error,) = errors_of(refused)
    assert error["message"] == "Subscription limit reached"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": MAX_OPERATIONS}


async def test_a_query_runs_over_either_subprotocol(server: Server, protocol: str) -> None:
    query = '{ reading(deviceId: "10001", datacount: 1) { datacount } }'
    async with session(server.url, protocol) as socket:
        await socket.subscribe("q", query)
        answer = await socket.event("q")
        assert (await socket.receive())["type"] == "complete"
    assert answer == {"data": {"reading": {"datacount": 1}}}


# -- the log -------------------------------------------------------------------------------------


async def test_the_log_holds_no_traceback_no_document_and_no_variable(server: Server) -> None:
    """Runs the hostile messages above once more with the marker in every document and
    variable, then reads the server's log."""
    for protocol in PROTOCOLS:
        hostile: list[Any] = [
            {"id": "1", "type": start(protocol), "payload": {"query": f"subscription {{ {MARKER}"}},
            {"id": "2", "type": start(protocol), "payload": {"query": f"{{ {MARKER} }}" * 1500}},
            {
                "id": "3",
                "type": start(protocol),
                "payload": {"query": BY_DEVICE, "variables": {"d": {"x": MARKER}}},
            },
            {
                "id": "4",
                "type": start(protocol),
                "payload": {"query": MARKER, "operationName": MARKER},
            },
        ]
        async with session(server.url, protocol) as socket:
            for message in hostile:
                await socket.send(message)
                await socket.receive(timeout=10)
            await socket.send(
                {"id": "5", "type": start(protocol), "payload": {"query": 5, "v": MARKER}}
            )
            await close_reason(socket)
    log = server.stderr
    assert "Traceback" not in log
    assert MARKER not in log
    assert "Exception in ASGI application" not in log


async def test_sockets_that_go_away_leave_one_line_each_and_no_traceback(server: Server) -> None:
    clients: list[RawWebSocket] = []
    for protocol in PROTOCOLS:
        for _ in range(3):
            client = RawWebSocket(server.port, protocol)
            client.send_json({"type": "connection_init", "payload": {}})
            assert client.receive_json()["type"] == "connection_ack"
            for op_id in range(MAX_OPERATIONS):
                payload = {"query": CHANGES}
                client.send_json({"id": str(op_id), "type": start(protocol), "payload": payload})
            clients.append(client)
    ports = [client.sock.getsockname()[1] for client in clients]
    await write(server, range(100, 105))
    for client in clients:  # gone without a close frame, while changes are on their way
        client.close()
    await write(server, range(105, 110))
    deadline = time.monotonic() + 60
    while metric(server, "gql_subscriptions_active") > 0:
        assert time.monotonic() < deadline, server.stderr_tail()
        await asyncio.sleep(0.1)

    def ends(port: int) -> list[str]:
        log = server.stderr.splitlines()
        return [line for line in log if f":{port} " in line and "[accepted]" not in line]

    # The log's writer thread writes a line within about 10 ms of it being logged.
    while not all(ends(port) for port in ports):
        assert time.monotonic() < deadline, server.stderr_tail()
        await asyncio.sleep(0.05)
    for port in ports:
        lines = ends(port)
        assert len(lines) == 1, lines
        assert "by the client" in lines[0]
    assert "Traceback" not in server.stderr


async def write(server: Server, datacounts: range) -> None:
    readings = [
        {"deviceId": "gone", "datacount": n, "info": {"infoTimestamp": "1"}} for n in datacounts
    ]
    document = "mutation ($r: [ReadingInput!]!) { putReadings(readings: $r) { written } }"
    response = await asyncio.to_thread(
        server.http.post, "/graphql", json={"query": document, "variables": {"r": readings}}
    )
    assert response.json() == {"data": {"putReadings": {"written": len(datacounts)}}}


def metric(server: Server, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", server.http.get("/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0
