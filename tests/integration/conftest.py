"""The real `gql` command, run as a subprocess, against DynamoDB Local or its embedded backend.

A test that needs DynamoDB Local asks for the `dynamodb_local_url` fixture, directly or through
another fixture: without DynamoDB Local it is skipped, and either way it counts in the
DynamoDB Local summary of tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tests.conftest import LOCAL_URL, NO_LOCAL, local_client
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GQL = Path(sys.executable).with_name("gql")
REPO = Path(__file__).resolve().parents[2]
# The tutorial's data.json, copied: the expected data must not come from the code under test.
SAMPLE = Path(__file__).with_name("data") / "sample.json"
CURSOR_SECRET = "integration-tests-cursor-secret"
ACCEPTANCE_QUERY = (
    '{ readingsByDevice(deviceId: "10001") { edges { node { datacount info { temperature1 } } } } }'
)
MAX_PAGES = 1000
# Seconds: the request budget of servers under test whose budget is not what they test.
ROOMY_BUDGET = 30.0

Item = dict[str, Any]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tagged here, not in a fixture: module-scoped fixtures (a table, a server) are set up
    # before any function-scoped one, and a skip raised there must count as well.
    for item in items:
        if "dynamodb_local_url" in getattr(item, "fixturenames", ()):
            item.user_properties.append(("backend", "dynamodb-local"))


@pytest.fixture(scope="session")
def dynamodb_local_url() -> str:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    return LOCAL_URL


@pytest.fixture(scope="session")
def dynamodb(dynamodb_local_url: str) -> DynamoDBClient:
    """A boto3 client on DynamoDB Local, to check what the command did."""
    return local_client()


# -- environments and commands -----------------------------------------------------------


def bare_env(**settings: str) -> dict[str, str]:
    """This process's environment without any AWS or gql setting, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GQL_"))}
    # No ~/.aws files either: what the command sees is exactly what the test gives it.
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.update(settings)
    return env


def local_env(url: str, table: str) -> dict[str, str]:
    """Settings that point `gql` at `table` in DynamoDB Local."""
    return bare_env(
        AWS_ENDPOINT_URL_DYNAMODB=url,
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_REGION="us-east-1",
        GQL_TABLE=table,
        GQL_CURSOR_SECRET=CURSOR_SECRET,
    )


def unique_table(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def run_gql(
    *args: str | Path, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `gql ARGS` to the end (killed after `patient(timeout)`), stdin not a terminal."""
    return subprocess.run(
        [str(GQL), *map(str, args)],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=patient(timeout),
        check=False,
    )


def run_ok(*args: str | Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    done = run_gql(*args, env=env)
    assert done.returncode == 0, f"gql {args} exited {done.returncode}:\n{done.stderr}"
    return done


# -- the table, seen through boto3 -------------------------------------------------------


def sample_items() -> list[Item]:
    items: list[Item] = json.loads(SAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    return items


def put_items(client: DynamoDBClient, table: str, items: list[Item]) -> None:
    """Write items as the tutorial's load_data.py does: one put_item each."""
    serializer = TypeSerializer()
    for item in items:
        client.put_item(TableName=table, Item={k: serializer.serialize(v) for k, v in item.items()})


def create_table(client: DynamoDBClient, table: str) -> None:
    """The table exactly as the tutorial's create_table.py makes it."""
    client.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "device_id", "KeyType": "HASH"},
            {"AttributeName": "datacount", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "device_id", "AttributeType": "S"},
            {"AttributeName": "datacount", "AttributeType": "N"},
        ],
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
    )
    client.get_waiter("table_exists").wait(
        TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 20}
    )


def drop_table(client: DynamoDBClient, table: str) -> None:
    """The table and, when `gql table create` made one, its history table."""
    for name in (table, f"{table}History"):
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=name)


def table_exists(client: DynamoDBClient, table: str) -> bool:
    try:
        client.describe_table(TableName=table)
    except client.exceptions.ResourceNotFoundException:
        return False
    return True


def scan_table(client: DynamoDBClient, table: str) -> list[Item]:
    """Every reading of the table as plain Python values, in key order. The time index's copy
    of the timestamp (recorded_at, tests/store/test_time_index.py) is left out: these tests
    are about the readings."""
    deserializer = TypeDeserializer()
    items: list[Item] = []
    params: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        response = client.scan(**params)
        for raw in response.get("Items", []):
            items.append(
                {k: deserializer.deserialize(v) for k, v in raw.items() if k != "recorded_at"}
            )
        if "LastEvaluatedKey" not in response:
            break
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return sorted(items, key=lambda item: (item["device_id"], item["datacount"]))


def create_and_load(url: str, table: str, *files: Path) -> None:
    """Create `table` and load `files` into it, with the CLI."""
    env = local_env(url, table)
    run_ok("table", "create", "--wait", env=env)
    for file in files:
        run_ok("load", file, env=env)


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class Server:
    """`gql serve` in a subprocess on a free port, killed on exit if it still runs.

    `http` is a client for it. The server's output goes to files, not pipes, so that a chatty
    server never blocks on a full pipe, and a failing test can show its stderr. Its request
    budget is roomy (ROOMY_BUDGET) unless `env` sets GQL_REQUEST_TIMEOUT: no test of a
    server that is not about budgets may fail because the machine is slow.
    """

    def __init__(self, env: Mapping[str, str], log_dir: Path, *args: str) -> None:
        self.env = {"GQL_REQUEST_TIMEOUT": f"{patient(ROOMY_BUDGET):g}", **env}
        self.args = args  # more `gql serve` options, e.g. --workers 2
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout_path = log_dir / "stdout.txt"
        self.stderr_path = log_dir / "stderr.txt"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, timeout=patient(10))

    def __enter__(self) -> Server:
        command = [str(GQL), "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                command, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
        try:
            self._wait_until_healthy(timeout=patient(20))
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stderr_tail(self, lines: int = 30) -> str:
        tail = "\n".join(self.stderr.splitlines()[-lines:])
        return f"--- gql serve stderr (last {lines} lines) ---\n{tail}"

    def _wait_until_healthy(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                pytest.fail(f"gql serve exited with {code} before it was healthy:\n{self.stderr}")
            try:
                if self.http.get("/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        pytest.fail(f"gql serve was not healthy after {timeout:g} s; its stderr:\n{self.stderr}")

    def terminate(self, timeout: float) -> int:
        """SIGTERM, then the exit code; fails the test if it takes longer than
        `patient(timeout)`."""
        assert self.process is not None
        timeout = patient(timeout)
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"gql serve still ran {timeout:g} s after SIGTERM:\n{self.stderr}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.http.close()
        self.kill()


# -- GraphQL over HTTP -------------------------------------------------------------------


def graphql(
    server: Server, document: str, variables: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The `data` of a response that must have no errors."""
    payload = {"query": document, "variables": dict(variables or {})}
    response = server.http.post("/graphql", json=payload)
    assert response.status_code == 200, f"{response.text}\n{server.stderr_tail()}"
    body: dict[str, Any] = response.json()
    assert "errors" not in body, f"{body['errors']}\n{server.stderr_tail()}"
    data: dict[str, Any] = body["data"]
    return data


def pages(
    server: Server, document: str, field: str, variables: Mapping[str, Any]
) -> list[list[tuple[str, int]]]:
    """The (deviceId, datacount) of every page, following endCursor until hasNextPage is false.

    `document` takes `$after: String` and selects `edges { node { deviceId datacount } }`
    and `pageInfo { hasNextPage endCursor }` of `field`.
    """
    found: list[list[tuple[str, int]]] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        connection = graphql(server, document, {**variables, "after": after})[field]
        found.append([(e["node"]["deviceId"], e["node"]["datacount"]) for e in connection["edges"]])
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]
        assert after is not None, f"page {len(found)} has a next page but no endCursor"
    pytest.fail(f"{field} still had a next page after {MAX_PAGES} pages")
