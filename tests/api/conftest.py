"""An `api` fixture: the GraphQL app served over HTTP, on moto and on DynamoDB Local.

The app runs under uvicorn on a free loopback port in a thread, so every request goes over
real HTTP to the server, and (for the DynamoDB Local half) from the server to DynamoDB Local.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import uvicorn

from gql.app import create_app
from gql.config import Settings
from gql.store.readings import ReadingStore

SECRET = b"test-secret-with-enough-length"


@dataclass
class Api:
    """A client for one app: `query` posts a document and returns the decoded JSON."""

    http: httpx.Client
    store: ReadingStore
    backend: str

    def query(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": document, "variables": variables})
        body: dict[str, Any] = response.json()
        return body

    def data(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = self.query(document, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def error_codes(self, document: str, variables: dict[str, Any] | None = None) -> list[str]:
        body = self.query(document, variables)
        return [e["extensions"]["code"] for e in body.get("errors", [])]


def settings_for(table: str, **overrides: Any) -> Settings:
    return replace(Settings(table=table, cursor_secrets=(SECRET,)), **overrides)


@pytest.fixture
def settings(table: str) -> Settings:
    return settings_for(table)


@pytest.fixture
def api(request: pytest.FixtureRequest, store: ReadingStore, settings: Settings) -> Iterator[Api]:
    app = create_app(settings, store=store)
    backend = request.node.callspec.params["client"]
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        yield Api(client, store, backend)


class serve_in_thread:  # noqa: N801 - used as a context manager, like open()
    def __init__(self, app: Any) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
