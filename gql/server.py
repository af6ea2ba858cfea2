"""`gql serve`: uvicorn over create_app, with one clear line about where the data lives."""

from __future__ import annotations

import dataclasses
import logging
import sys
from typing import Any

import uvicorn

from gql.app import create_app
from gql.config import Settings

log = logging.getLogger("gql")


def describe_backend(settings: Settings) -> str:
    if settings.backend == "embedded":
        return (
            "gql: serving the EMBEDDED in-memory DynamoDB (moto), seeded with the tutorial's 6 "
            "sample readings; all data is lost at exit. To use DynamoDB Local, set "
            "AWS_ENDPOINT_URL_DYNAMODB=http://localhost:8000; for AWS, use --backend aws "
            "(or GQL_BACKEND=aws) with your usual AWS credentials."
        )
    where = settings.endpoint_url or f"AWS DynamoDB in {settings.region}"
    return f"gql: serving table {settings.table} from {where}"


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    backend: str | None = None,
    workers: int = 1,
) -> int:
    if backend is not None:
        settings = dataclasses.replace(settings, backend=backend)  # type: ignore[arg-type]
    print(describe_backend(settings), flush=True)
    print(f"gql: GraphQL at http://{host}:{port}/graphql", flush=True)
    hand_over_the_gil_often()
    # Several workers need an import string: each process builds its own app from the
    # environment (gql/cli/serve.py has put the --backend choice there).
    app = create_app(settings) if workers == 1 else "gql.server:app_from_env"
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    return 0


def app_from_env() -> Any:
    """The app of one worker process of `gql serve --workers N`."""
    hand_over_the_gil_often()
    return create_app(Settings.from_env())


def hand_over_the_gil_often() -> None:
    # Store calls run on threads that need the GIL for botocore's work while the event loop
    # holds it; with Python's 5 ms switch interval they wait behind it. 1 ms measured 1.4x
    # the requests/s at 50 connections and a lower p50 (python -m bench.compare switch-1ms).
    sys.setswitchinterval(0.001)
