"""The drain hook of gql.web.server: callbacks the app registers on `app.state.drain` (the live
hub's shutdown) run on SIGTERM before uvicorn closes any connection, and the process then
exits 0. The server is `gql.web.server.serve` in a subprocess, with one callback added."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.integration.conftest import bare_env, free_port
from tests.timing import patient

# The hook runs until the test has made its requests (it creates the file named by argv[2]),
# however long they take on this machine: at most 60 s.
SERVER = """
import asyncio, os, sys
from gql.web import server
from gql.web.app import create_app
from gql.config import Settings

def with_hook(settings, **options):
    app = create_app(settings, **options)

    async def hook():
        print("hook: started", file=sys.stderr, flush=True)
        for _ in range(1200):
            if os.path.exists(sys.argv[2]):
                break
            await asyncio.sleep(0.05)
        print("hook: done", file=sys.stderr, flush=True)

    app.state.drain.on_drain(hook)
    return app

server.create_app = with_hook
sys.exit(server.serve(Settings.from_env(), port=int(sys.argv[1])))
"""


def wait_for(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + patient(timeout)
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_drain_callbacks_run_while_connections_are_still_served(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "stderr.txt"
    release = tmp_path / "release-the-hook"
    env = bare_env(
        GQL_CURSOR_SECRET="drain-hook-tests-cursor-secret",
        GQL_SHUTDOWN_SECONDS=f"{patient(5):g}",
    )
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port), str(release)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, 30)
        process.send_signal(signal.SIGTERM)
        wait_for(lambda: "hook: started" in log.read_text(), 5)
        # The hook runs: readiness is off, yet connections are still accepted and served.
        assert httpx.get(f"{url}/readyz", timeout=patient(5)).status_code == 503
        answer = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=patient(5))
        assert answer.json() == {"data": {"__typename": "Query"}}
        release.touch()
        assert process.wait(timeout=patient(10)) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()
    assert output.index("hook: done") < output.index("Shutting down"), output
