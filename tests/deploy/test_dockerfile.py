"""The Dockerfile, checked without Docker: its instructions, its build context, and its CMD
and HEALTHCHECK run as they are on this machine against a live server.

What this cannot check: that the image builds (`pip install .` on python:3.12-slim) and that
the container starts; those need a Docker engine.
"""

from __future__ import annotations

import http.server
import re
import subprocess
import sys
import threading

import httpx
import pytest

from gql.cli import _parser
from gql.config import Settings
from tests.deploy.deployfiles import (
    ROOT,
    build_context,
    compose,
    dockerfile,
    free_port,
    image_env,
    instruction,
    running,
    service_env,
)

HEALTHZ = "http://127.0.0.1:8080/healthz"
QUERY = '{ readingsByDevice(deviceId: "10001") { edges { node { datacount } } } }'


def healthcheck_argv(port: int) -> list[str]:
    """The HEALTHCHECK command, pointed at `port` and run with this interpreter."""
    argv = instruction("HEALTHCHECK").exec_form()
    assert argv[0] == "python"
    assert sum(HEALTHZ in arg for arg in argv) == 1, argv
    url = f"http://127.0.0.1:{port}/healthz"
    return [sys.executable, *(arg.replace(HEALTHZ, url) for arg in argv[1:])]


def serve_argv(port: int) -> list[str]:
    """The CMD, on a loopback port of this machine instead of 0.0.0.0:8080 in a container."""
    argv = instruction("CMD").exec_form()
    replaced = {"0.0.0.0": "127.0.0.1", "8080": str(port)}  # noqa: S104 - the CMD's value
    return [replaced.get(arg, arg) for arg in argv]


def test_the_image_is_python_312_slim_and_runs_as_a_non_root_user() -> None:
    instructions = dockerfile()
    assert instructions[0].keyword == "FROM"
    assert instructions[0].args == "python:3.12-slim"
    keywords = [i.keyword for i in instructions]
    user = instruction("USER").args
    assert user.split(":")[0] not in ("", "0", "root")
    # Everything after USER runs as that user, including the server.
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert keywords.index("USER") < keywords.index("CMD")
    assert "useradd" in instruction("RUN").args
    assert f"--uid {user.split(':')[0]}" in instruction("RUN").args
    # The package with the redis extra: the image serves GQL_REDIS_URL (docker-compose.yml).
    assert "pip install '.[redis]'" in instruction("RUN").args


def test_the_cmd_serves_on_all_interfaces_on_the_exposed_port() -> None:
    argv = instruction("CMD").exec_form()
    assert argv == ["gql", "serve", "--host", "0.0.0.0", "--port", "8080"]  # noqa: S104
    args = _parser().parse_args(argv[1:])  # the real CLI's parser accepts them
    assert (args.host, args.port, args.backend) == ("0.0.0.0", 8080, None)  # noqa: S104
    assert instruction("EXPOSE").args == "8080"


def test_the_healthcheck_asks_healthz_with_timeouts() -> None:
    check = instruction("HEALTHCHECK")
    argv = check.exec_form()
    assert argv[:2] == ["python", "-c"]
    assert HEALTHZ in argv[2]
    options = check.options()
    assert set(options) == {"interval", "timeout", "start-period", "retries"}
    # The urllib timeout (2 s) is shorter than Docker's, so a hung server fails the check.
    assert options["timeout"] == "3s"
    assert "timeout=2" in argv[2]


def test_copy_sources_exist_and_the_build_context_holds_only_the_package() -> None:
    context = build_context()
    for copy in (i for i in dockerfile() if i.keyword == "COPY"):
        *sources, _ = copy.args.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert any(f == source or f.startswith(f"{source}/") for f in context), source
    assert {"pyproject.toml", "README.md", "gql/data/sample.json"} <= context
    assert "gql/web/static/graphiql/graphiql@3.8.3/graphiql.min.js" in context
    leaked = [
        f
        for f in context
        if f.startswith((".venv/", ".git/", ".cache/", "tests/", "test-artifacts/"))
        or "__pycache__" in f
        or f.endswith(".pyc")
    ]
    assert leaked == []


def test_the_cmd_serves_and_the_healthcheck_passes_then_fails_when_it_stops() -> None:
    # Alone, with nothing configured, the image serves the embedded backend with sample data.
    port = free_port()
    env = {"GQL_CURSOR_SECRET": "a-cursor-secret-for-this-test"}
    with running(serve_argv(port), env, port) as server:
        check = subprocess.run(healthcheck_argv(port), capture_output=True, text=True, timeout=10)
        assert check.returncode == 0, check.stderr
        body = httpx.post(f"{server.url}/graphql", json={"query": QUERY}, timeout=10).json()
        edges = body["data"]["readingsByDevice"]["edges"]
        assert [e["node"]["datacount"] for e in edges] == [1, 2]
    # `docker stop` sends SIGTERM: the server drains, exits 0, and the check now fails.
    assert server.process.returncode == 0
    assert "Finished server process" in server.output()
    check = subprocess.run(healthcheck_argv(port), capture_output=True, text=True, timeout=10)
    assert check.returncode != 0


@pytest.mark.parametrize("status", [404, 503])
def test_the_healthcheck_fails_on_an_error_status(status: int) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        check = subprocess.run(
            healthcheck_argv(server.server_address[1]), capture_output=True, timeout=10
        )
    finally:
        server.shutdown()
        server.server_close()
    assert check.returncode != 0


# Docker's stop timeout when nothing else is said (`docker stop`, `docker run` without
# --stop-timeout): SIGKILL follows the stop signal after this many seconds.
DOCKER_STOP_TIMEOUT = 10


def test_docker_stop_sends_sigterm_and_the_drain_ends_before_dockers_kill() -> None:
    assert instruction("STOPSIGNAL").args == "SIGTERM"
    drain = Settings.from_env(image_env()).shutdown_seconds
    assert drain == float(image_env()["GQL_SHUTDOWN_SECONDS"])
    assert drain < DOCKER_STOP_TIMEOUT, "the drain must end before docker stop kills"
    keywords = [i.keyword for i in dockerfile()]
    assert keywords.index("STOPSIGNAL") < keywords.index("CMD")


def test_compose_waits_longer_than_the_api_drains() -> None:
    api = compose()["services"]["api"]
    drain = Settings.from_env(service_env("api")).shutdown_seconds
    assert "stop_signal" not in api or api["stop_signal"] == "SIGTERM"
    grace = str(api["stop_grace_period"])
    assert re.fullmatch(r"\d+s", grace), f"stop_grace_period {grace}: write whole seconds"
    # A second at least for the process to exit after its drain.
    assert int(grace[:-1]) >= drain + 1
