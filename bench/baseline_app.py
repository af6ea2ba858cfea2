"""The floor the GraphQL server is measured against: plain Starlette routes, no GraphQL.

- `POST /reading` with `{"deviceId": ..., "datacount": ...}`: one GetItem on the boto3 client
  of the bench's other floors (bench/boto.py: boto3 as a script has it, with the server's
  Config), run on a thread pool of the same size, answered as JSON shaped like the GraphQL
  answer.
- `POST /json`: reads the body and answers a constant of the same shape: HTTP and Starlette
  alone, no database.

`python -m bench.baseline_app --port N` serves it through gql.web.server.serve, so uvicorn runs
with exactly the settings `gql serve` uses (loop, HTTP parser, workers, logging, timeouts),
whatever they become.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.boto import script_client
from gql.config import Settings
from gql.web.app import freeze_startup_heap

TEMPERATURES = ("temperature1", "temperature2", "temperature3", "temperature4", "temperature5")

# What /json answers: a reading of the same shape and size as the GraphQL answer.
STATIC = {
    "data": {
        "reading": {
            "deviceId": "dev-0000",
            "datacount": 1,
            "version": 1,
            "info": {
                "infoTimestamp": "1612519200",
                "temperature1": 37.2,
                "temperature2": 21.31,
                "temperature3": 25.6,
                "temperature4": 22.96,
                "temperature5": 24.69,
            },
        }
    }
}


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as the JSON the GraphQL `reading` field answers."""
    info = item.get("info", {}).get("M", {})
    out_info: dict[str, Any] = {"infoTimestamp": info.get("info_timestamp", {}).get("S")}
    for name in TEMPERATURES:
        value = info.get(name)
        out_info[name] = float(value.get("N") or value.get("S")) if value else None
    version = item.get("version")
    return {
        "deviceId": item["device_id"]["S"],
        "datacount": int(item["datacount"]["N"]),
        "version": int(version["N"]) if version else None,
        "info": out_info,
    }


def create_baseline_app(settings: Settings) -> Starlette:
    client = script_client(settings)
    executor = ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="store")
    table = settings.table

    async def reading(request: Request) -> Response:
        body = await request.json()
        key = {
            "device_id": {"S": str(body["deviceId"])},
            "datacount": {"N": str(int(body["datacount"]))},
        }
        loop = asyncio.get_running_loop()
        call = functools.partial(client.get_item, TableName=table, Key=key)
        response = await loop.run_in_executor(executor, call)
        item = response.get("Item")
        return JSONResponse({"data": {"reading": plain(item) if item else None}})

    async def static_json(request: Request) -> Response:
        await request.body()
        return JSONResponse(STATIC)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # As `gql serve` does with its own app's (gql/web/app.py): a setting of the process.
        freeze_startup_heap()
        try:
            yield
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    return Starlette(
        routes=[
            Route("/reading", reading, methods=["POST"]),
            Route("/json", static_json, methods=["GET", "POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)

    from gql.web import server

    # gql.web.server.serve builds its app with create_app(settings): serve this one instead, so
    # that everything else about the server is what `gql serve` does.
    def create_app(settings: Settings | None = None, *args: Any, **kwargs: Any) -> Starlette:
        return create_baseline_app(settings or Settings.from_env())

    server.create_app = create_app  # type: ignore[attr-defined]
    return server.serve(Settings.from_env(), host=args.host, port=args.port)


if __name__ == "__main__":
    raise SystemExit(main())
