"""What the hop to the store's thread pool costs one GetItem: `python -m bench.hop`.

The measurement behind the question of an asyncio-native DynamoDB client (aiobotocore): one
connection's GetItems, one at a time with a pause between them as a lone client makes them,
on the event loop `gql serve` runs (uvloop), three ways:

- `thread`: as the server makes them, on a thread pool (`loop.run_in_executor`, the hop
  `Context.run` and the read coalescer make);
- `inline`: the same client called on the event loop itself, blocking it: never how a server
  may run it (every other request would wait), only the floor that shows what the hop costs;
- `aiobotocore`: when it is installed (it is not a dependency: its releases pin botocore
  exactly), its own client, awaited on the loop.

Each way's median over alternating rounds: the p50 of a call and the CPU of this process per
call, each as a ratio to `inline`, measured in the same run. `--pin` first pins this process
to one CPU as `GQL_PIN_CPU` pins a server (gql/web/affinity.py): the hop with the loop and
the pool on one CPU. Needs DynamoDB Local (DYNAMODB_LOCAL_URL, as `scripts/in-netns` sets it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import uvloop

from bench.report import print_ways
from bench.stack import Stack
from gql.config import Settings
from gql.store.client import make_client
from gql.web import affinity

KEY: dict[str, Any] = {"device_id": {"S": "hop"}, "datacount": {"N": "1"}}
ITEM: dict[str, Any] = {
    **KEY,
    "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"N": "1"}}},
}
Call = Callable[[], Awaitable[Any]]


@contextlib.asynccontextmanager
async def aiobotocore_call(settings: Settings, table: str) -> AsyncIterator[Call | None]:
    try:
        from aiobotocore.session import get_session  # type: ignore[import-not-found]
    except ImportError:
        yield None
        return
    session = get_session()
    async with session.create_client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url
    ) as client:
        yield functools.partial(client.get_item, TableName=table, Key=KEY)


async def measure(table: str, rounds: int, calls: int, pause: float) -> dict[str, list[Any]]:
    settings = Settings.from_env({**os.environ, "GQL_TABLE": table})
    client = make_client(settings)
    client.put_item(TableName=table, Item=ITEM)
    get = functools.partial(client.get_item, TableName=table, Key=KEY)
    pool = ThreadPoolExecutor(max_workers=settings.max_workers)
    loop = asyncio.get_running_loop()

    async def thread() -> Any:
        return await loop.run_in_executor(pool, get)

    async def inline() -> Any:
        return get()

    ways: dict[str, Call] = {"inline": inline, "thread": thread}
    async with aiobotocore_call(settings, table) as other:
        if other is not None:
            ways["aiobotocore"] = other
        results: dict[str, list[Any]] = {name: [] for name in ways}
        for way in ways.values():  # warm-up: connections, caches
            for _ in range(100):
                await way()
        for round_ in range(rounds):
            names = list(ways)
            names = names[round_ % len(names) :] + names[: round_ % len(names)]
            for name in names:
                latencies = []
                cpu = time.process_time()
                for _ in range(calls):
                    started = time.perf_counter()
                    await ways[name]()
                    latencies.append(time.perf_counter() - started)
                    await asyncio.sleep(pause)
                used = (time.process_time() - cpu) / calls
                results[name].append((statistics.median(latencies), used))
    pool.shutdown()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hop", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000, help="GetItems a way and round")
    parser.add_argument("--pause", type=float, default=0.0005, help="seconds between calls")
    parser.add_argument("--pin", action="store_true", help="this process on one CPU first")
    args = parser.parse_args(argv)
    endpoint = os.environ.get("DYNAMODB_LOCAL_URL")
    if not endpoint:
        print("bench.hop: DYNAMODB_LOCAL_URL is not set (run it under scripts/in-netns)")
        return 2
    if args.pin:
        print(f"pinned to CPU {affinity.pin_to_one_cpu()}")
    with tempfile.TemporaryDirectory() as tmp, Stack(endpoint, Path(tmp)) as stack:
        table = stack.create_table("hop")
        os.environ.update({k: v for k, v in stack.env(table).items() if k.startswith("AWS_")})
        results = uvloop.run(measure(table, args.rounds, args.calls, args.pause))
    print(f"GetItem one at a time: {args.rounds} rounds of {args.calls}, {args.pause}s apart")
    print_ways(results, "inline", "p50")
    if "aiobotocore" not in results:
        print("aiobotocore: not installed (pip install aiobotocore in a venv of its own)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
