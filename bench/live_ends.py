"""The live bench's two ends: graphql-transport-ws subscribers (`websockets`, no GraphQL
client) that note when each change arrives, and a boto3 writer that notes when each write left.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.stack import Stack

DEVICE = "bench-live"
SUBSCRIPTION = (
    "subscription($d: ID) { readingChanges(deviceId: $d) { kind datacount } }"  # small events
)


@dataclass
class Client:
    ws: ClientConnection
    received: dict[int, float] = field(default_factory=dict)  # datacount -> monotonic time
    error: str | None = None

    async def run(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message["type"] == "next" and not message["payload"].get("errors"):
                change = message["payload"]["data"]["readingChanges"]
                self.received.setdefault(change["datacount"], time.monotonic())
            elif message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif message["type"] in ("next", "error", "complete"):
                self.error = json.dumps(message)[:300]
                return


async def open_client(url: str) -> Client:
    ws = await connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], max_queue=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    if ack["type"] != "connection_ack":
        raise RuntimeError(f"expected connection_ack, got {ack}")
    payload = {"query": SUBSCRIPTION, "variables": {"d": DEVICE}}
    await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
    return Client(ws)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Writer:
    """boto3 put_item calls on a few threads; remembers when each write was sent."""

    def __init__(self, stack: Stack, table: str) -> None:
        self.stack, self.table = stack, table
        self.sent: dict[int, float] = {}
        self.numbers = itertools.count(1)
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="writer")

    def put(self, n: int) -> None:
        info = {"info_timestamp": {"S": str(1612519200 + n)}, "temperature1": {"N": "21.5"}}
        item: dict[str, Any] = {
            "device_id": {"S": DEVICE},
            "datacount": {"N": str(n)},
            "info": {"M": info},
        }
        self.sent[n] = time.monotonic()
        self.stack.client.put_item(TableName=self.table, Item=item)

    async def write(self, count: int = 1) -> list[int]:
        numbers = [next(self.numbers) for _ in range(count)]
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.pool, self.put, n) for n in numbers))
        return numbers


async def until(clients: Iterable[Client], numbers: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(clients)
    while waiting and time.monotonic() < deadline:
        waiting = [
            c for c in waiting if c.error is None and not all(n in c.received for n in numbers)
        ]
        await asyncio.sleep(0.02)


async def prime(clients: list[Client], writer: Writer, timeout: float = 30) -> None:
    """Write until every client has received a write: the stream is then being read."""
    deadline = time.monotonic() + timeout
    while not all(c.received for c in clients):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no change reached every subscriber within {timeout:g} s")
        await writer.write()
        await asyncio.sleep(0.5)
    await asyncio.sleep(1)  # late priming events must not count as measured ones
