"""Where a `reading` request's time goes above the plain route: `python -m bench.lanes`.

The measurement behind the decision on the goal of `reading` p50 at one connection (README
"Benchmark"). One reading, asked for one request at a time, four ways, each an ASGI call (or
a call) in this process on uvloop, so that sockets and uvicorn, the same for all, are left out:

- `route`: the bench's plain Starlette route with its GetItem (bench/baseline_app.py): the floor;
- `core`: graphql-core's `execute` of the parsed document with gql's executor and a request
  context: the server without Strawberry's HTTP view, its `Schema.execute`, the schema
  extension and the app's middleware. What a server on graphql-core alone would at best cost;
- `gql`: the whole app (gql.web.app.create_app) at /graphql; after the first request, the
  document is one the query lane runs (gql/schema/lane.py), and the run says how many it ran;
- `typename`: the app answering `{ __typename }`: a GraphQL request with no data to read.

Each way's median over alternating rounds of the wall time and this process's CPU a request,
as a ratio to `route`, measured in the same run. Needs DynamoDB Local (DYNAMODB_LOCAL_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import graphql
import orjson
import uvloop
from starlette.routing import Route

from bench import plan as plans
from bench.baseline_app import create_baseline_app
from bench.loads import readings, write_readings
from bench.report import print_ways
from bench.stack import Stack
from gql.config import Settings
from gql.schema import Context, Cursors, Services, build_schema
from gql.schema.executor import Executor
from gql.store import ReadingStore, make_client
from gql.web.app import create_app

Way = Callable[[], Awaitable[Any]]


async def asgi(app: Any, path: str, body: bytes) -> bytes:
    """One POST through the app; its answer's body (200 or an error)."""
    sent: list[dict[str, Any]] = []
    headers = [(b"content-type", b"application/json"), (b"host", b"bench")]
    scope: dict[str, Any] = {"type": "http", "asgi": {"version": "3.0"}, "method": "POST"}
    scope |= {
        "http_version": "1.1",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
    }
    scope |= {"root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": None}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"{path} answered {sent[0]['status']}: {sent[1:]}")
    return b"".join(m.get("body", b"") for m in sent[1:])


@contextlib.asynccontextmanager
async def running(app: Any) -> AsyncIterator[None]:
    """The app's lifespan: started (its store, its hub), then shut down."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.get_running_loop().create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    answer = await outbox.get()
    if answer["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"the app did not start: {answer}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


async def ways(app: Any, route: Any, settings: Settings, key: tuple[str, int]) -> dict[str, Way]:
    # The bodies the bench's latency figure sends, to the app and to the route.
    query = plans.reading_request("", key).body.encode()
    plain = plans.baseline_request("", key).body.encode()
    variables = {"deviceId": key[0], "datacount": key[1]}
    services = Services(
        store=ReadingStore(make_client(settings), settings.table),
        cursors=Cursors.from_settings(settings),
        executor=ThreadPoolExecutor(settings.max_workers, thread_name_prefix="store"),
        request_timeout=settings.request_timeout,
        read_budget=settings.read_budget,
    )
    schema, parsed = build_schema(settings)._schema, graphql.parse(plans.READING_QUERY)

    async def core() -> bytes:
        result = graphql.execute(
            schema,
            parsed,
            context_value=Context(services=services),
            variable_values=variables,
            executor_class=Executor,
            operation_extensions=None,
        )
        done = await result if isinstance(result, Awaitable) else result
        if done.errors:
            raise RuntimeError(f"core: {done.errors}")
        return orjson.dumps({"data": done.data})

    async def typename() -> bytes:
        return await asgi(app, "/graphql", b'{"query": "{ __typename }"}')

    return {
        "route": lambda: asgi(route, "/reading", plain),
        "core": core,
        "gql": lambda: asgi(app, "/graphql", query),
        "typename": typename,
    }


async def measure(settings: Settings, key: tuple[str, int], rounds: int, requests: int) -> Any:
    app, route = create_app(settings), create_baseline_app(settings)
    [view] = [r.endpoint for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    async with running(app), running(route):
        results = await measure_ways(await ways(app, route, settings, key), rounds, requests)
    # Every request to the app but the first of each document is the query lane's
    # (gql/schema/lane.py): said, not assumed.
    lane = getattr(view, "query_lane", None)
    print(f"the query lane ran {lane.runs if lane else 0} of the app's requests")
    return results


async def measure_ways(found: dict[str, Way], rounds: int, requests: int) -> Any:
    answers = {name: orjson.loads(await way()) for name, way in found.items()}
    if answers["core"] != answers["gql"]:
        raise RuntimeError(f"core and gql answer differently: {answers}")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in found}
    for round_ in range(rounds):
        names = list(found)
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            for _ in range(min(requests, 100)):  # warm-up
                await found[name]()
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(requests):
                await found[name]()
            used = (time.perf_counter() - wall) / requests, (time.process_time() - cpu) / requests
            results[name].append(used)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lanes", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000, help="a way and round")
    args = parser.parse_args(argv)
    endpoint = os.environ.get("DYNAMODB_LOCAL_URL")
    if not endpoint:
        print("bench.lanes: DYNAMODB_LOCAL_URL is not set (run it under scripts/in-netns)")
        return 2
    plan = plans.QUICK
    with tempfile.TemporaryDirectory() as tmp, Stack(endpoint, Path(tmp)) as stack:
        table = stack.create_table("lanes")
        data = write_readings(Path(tmp) / "r.json", readings(plan.devices, plan.per_device))
        stack.gql("load", data, table=table)
        os.environ.update({k: v for k, v in stack.env(table).items() if k.startswith("AWS_")})
        settings = Settings.from_env(stack.env(table))
        key = plans.reading_key(plan)
        results = uvloop.run(measure(settings, key, args.rounds, args.requests))
    print(f"one reading, one request at a time: {args.rounds} rounds of {args.requests}")
    print_ways(results, "route", "wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
