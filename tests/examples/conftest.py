"""A live `gql serve` on DynamoDB Local for the client examples, and a way to run them.

The server is a real subprocess, configured only through its environment as a user would
configure it, with API keys switched on: every example that succeeds has sent the key.
tests/conftest.py strips AWS_* and GQL_* from os.environ, so every environment here is built
explicitly.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gql.store.client import DynamoDB
from gql.store.tables import Tables
from tests.conftest import LOCAL_URL, NO_LOCAL, local_client
from tests.timing import patient

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "client-examples"
BIN = Path(sys.executable).parent  # the virtualenv's bin: python (with httpx) and gql
API_KEY = "example-api-key-0123456789"
STEP_TIMEOUT = 30.0  # seconds on a quiet machine: waited `patient(STEP_TIMEOUT)`
# The examples' server: a roomy request budget, whatever the machine (see tests/api/conftest.py).
REQUEST_BUDGET = 30.0


@dataclass(frozen=True)
class Flavour:
    """One flavour of the examples: how to run its steps, and what it needs installed."""

    name: str
    directory: str
    suffix: str
    tools: tuple[str, ...] = ()

    def missing(self) -> str | None:
        absent = [tool for tool in self.tools if shutil.which(tool) is None]
        if not absent:
            return None
        return f"the {self.name} examples need {' and '.join(absent)}, which is not installed"

    def script(self, step: str) -> Path:
        return EXAMPLES / self.directory / f"{step}{self.suffix}"

    def argv(self, step: str, *args: str) -> list[str]:
        """The command for a step: create_table, load_data and delete_table are the CLI."""
        if self.name != "shell" and step in CLI_STEPS:
            return [str(BIN / "gql"), *CLI_STEPS[step], *args]
        interpreter = {"python": sys.executable, "shell": "bash", "js": "node"}[self.name]
        return [interpreter, str(self.script(step)), *args]


CLI_STEPS = {
    "create_table": ["table", "create", "--wait"],
    "load_data": ["load", str(REPO / "gql" / "data" / "sample.json")],
    "delete_table": ["table", "delete", "--yes"],
}

FLAVOURS = {
    "python": Flavour("python", "python", ".py"),
    "shell": Flavour("shell", "shell", ".sh", tools=("bash", "curl", "jq")),
    "js": Flavour("js", "js", ".mjs", tools=("node",)),
}


@dataclass(frozen=True)
class Result:
    argv: list[str]
    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (
            f"$ {' '.join(self.argv)}\nexit status {self.code}\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


def base_env() -> dict[str, str]:
    """This process's environment without AWS or GQL settings, with the virtualenv on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GQL_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in client-examples/python
    return env


@dataclass
class Server:
    url: str
    table: str
    db_env: dict[str, str]
    log: Path

    def env(self, *, api_key: str | None = API_KEY, url: str | None = None) -> dict[str, str]:
        """The environment of an example: where the server is, its key, and (for the CLI)
        where DynamoDB is."""
        env = base_env() | self.db_env | {"GQL_URL": url or self.url}
        if api_key is not None:
            env["GQL_API_KEY"] = api_key
        return env

    def run(self, argv: list[str], env: dict[str, str] | None = None) -> Result:
        completed = subprocess.run(
            argv,
            env=self.env() if env is None else env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=patient(STEP_TIMEOUT),
            check=False,
            stdin=subprocess.DEVNULL,
        )
        return Result(argv, completed.returncode, completed.stdout, completed.stderr)

    def drop_table(self) -> None:
        Tables(DynamoDB(local_client(), self.table)).delete(wait=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    table = f"Examples-{uuid.uuid4().hex[:8]}"
    db_env = {
        "AWS_ENDPOINT_URL_DYNAMODB": LOCAL_URL,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
        "GQL_TABLE": table,
    }
    env = base_env() | db_env
    env["GQL_CURSOR_SECRET"] = "examples-cursor-secret-0123456789"
    env["GQL_API_KEYS"] = f"another-key-abcdefghij,{API_KEY}"
    env["GQL_REQUEST_TIMEOUT"] = f"{patient(REQUEST_BUDGET):g}"
    port = free_port()
    log = tmp_path_factory.mktemp("examples") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "gql"), "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log)
        yield Server(f"http://127.0.0.1:{port}/graphql", table, db_env, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        Tables(DynamoDB(local_client(), table)).delete(wait=True)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    limit = patient(30)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gql serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"gql serve did not answer on {url} within {limit:g} s:\n{log.read_text()}")


@pytest.fixture
def live(request: pytest.FixtureRequest) -> Server:
    """The server; the test counts as one on DynamoDB Local, and skips without it."""
    request.node.user_properties.append(("backend", "dynamodb-local"))
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    server: Server = request.getfixturevalue("server")
    return server


@pytest.fixture
def fresh(live: Server) -> Iterator[Server]:
    """The server, with no table before the test and none left after it."""
    server = live
    server.drop_table()
    yield server
    server.drop_table()


@pytest.fixture
def closed_url() -> Iterator[str]:
    """A URL on a port that is bound but not listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
