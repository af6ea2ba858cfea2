"""Subscribe: print every change to the readings as DynamoDB records it (readingChanges).

    python subscribe.py [DEVICE_ID] [--kinds INSERT,MODIFY,REMOVE] [--filter JSON]

No DEVICE_ID: every device. --kinds: the kinds of change to receive (default all three).
--filter: a ReadingCondition as JSON, e.g. '{"temperature1": {"gt": 30}}', which must hold for
the reading after the change (before it, for a REMOVE). Changes made by anything arrive: this
API, the tutorial's boto3 scripts, another service, another replica of the server.

The subscription runs over a WebSocket with the graphql-transport-ws protocol, spoken here by
hand with the `websockets` package (pip install websockets) so that every message is visible;
GQL_URL's http(s) becomes ws(s). With GQL_API_KEY set, the key travels in the connection_init
payload, as browsers cannot set headers on a WebSocket. One change a line, until Ctrl-C; an
error (a coded GraphQL error such as STREAM_DISABLED or SLOW_CONSUMER, a refused socket, the
server gone) ends it with status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from typing import Any

from client import READING_FIELDS, URL, ExampleError, Json, reading_line, run
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

READING_CHANGES = (
    """
subscription ReadingChanges($deviceId: ID, $kinds: [ChangeKind!], $filter: ReadingCondition) {
  readingChanges(deviceId: $deviceId, kinds: $kinds, filter: $filter) {
    kind
    deviceId
    datacount
    changedAt
    reading { ...ReadingFields }
    previous { ...ReadingFields }
  }
}
"""
    + READING_FIELDS
)
KINDS = ("INSERT", "MODIFY", "REMOVE")
WS_URL = URL.replace("http", "ws", 1) if URL.startswith("http") else URL


def arguments() -> Json:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("device_id", nargs="?", metavar="DEVICE_ID", help="default: every device")
    parser.add_argument("--kinds", help="comma-separated, of INSERT, MODIFY, REMOVE")
    parser.add_argument("--filter", help="a ReadingCondition as JSON")
    args = parser.parse_args()
    variables: Json = {"deviceId": args.device_id, "kinds": None, "filter": None}
    if args.kinds:
        kinds = [kind.strip().upper() for kind in args.kinds.split(",")]
        if unknown := [kind for kind in kinds if kind not in KINDS]:
            raise ExampleError(f"--kinds: {', '.join(unknown)} is not one of {', '.join(KINDS)}")
        variables["kinds"] = kinds
    if args.filter:
        try:
            variables["filter"] = json.loads(args.filter)
        except ValueError as exc:
            raise ExampleError(f"--filter must be JSON: {exc}") from None
    return variables


def change_line(change: Json) -> str:
    """`INSERT 10001 : 4  at ...`: the reading after the change, or before it for a REMOVE."""
    reading = change["reading"] or change["previous"]
    if reading is None:
        return f"{change['kind']} {change['deviceId']} : {change['datacount']}"
    return f"{change['kind']} {reading_line(reading)}"


def describe(errors: list[Json]) -> str:
    parts = []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        parts.append(f"{error.get('message')} ({code})" if code else str(error.get("message")))
    return "; ".join(parts)


async def receive(ws: ClientConnection) -> Json:
    """The next message that is not a ping (pings are answered)."""
    while True:
        message: Json = json.loads(await ws.recv())
        if message.get("type") == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        return message


async def subscribe(variables: Json) -> None:
    api_key = os.environ.get("GQL_API_KEY")
    init: Json = {"type": "connection_init", "payload": {"x-api-key": api_key} if api_key else {}}
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(WS_URL, subprotocols=protocols, open_timeout=10) as ws:
        await ws.send(json.dumps(init))
        ack = await asyncio.wait_for(receive(ws), timeout=10)
        if ack.get("type") != "connection_ack":
            raise ExampleError(f"expected connection_ack, got {ack}")
        query = {"query": READING_CHANGES, "variables": variables}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": query}))
        where = f"device {variables['deviceId']}" if variables["deviceId"] else "every device"
        print(f"Listening for changes to {where} (Ctrl-C to stop)", flush=True)
        while True:
            message = await receive(ws)
            kind, payload = message.get("type"), message.get("payload")
            if kind == "next" and payload.get("errors"):
                raise ExampleError(describe(payload["errors"]))
            if kind == "next":
                print(change_line(payload["data"]["readingChanges"]), flush=True)
            elif kind == "error":
                raise ExampleError(describe(payload))
            elif kind == "complete":
                print("The server completed the subscription.", flush=True)
                return


def main() -> None:
    variables = arguments()
    try:
        asyncio.run(subscribe(variables))
    except KeyboardInterrupt:
        pass
    except ConnectionClosed as exc:
        raise ExampleError(f"the server closed the connection: {closed(exc)}") from None
    except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
        raise ExampleError(f"cannot reach {WS_URL}: {exc}") from None


def closed(exc: ConnectionClosed) -> str:
    # 4403 is the protocol's "Forbidden": no valid key in connection_init.
    frame: Any = exc.rcvd
    if frame is None:
        return "without a close frame"
    return f"{frame.code} {frame.reason}".strip()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        run(main)
