"""Backends for the tests: moto in-process, and real DynamoDB Local when it is running.

DynamoDB Local listens on every interface, so it is only ever started inside a private
network namespace (`scripts/in-netns`), which exports DYNAMODB_LOCAL_URL. Without it the
DynamoDB Local half of every parametrized test is skipped, and says why.

Parallel runs (`make test` runs pytest-xdist, `-n` workers): scripts/in-netns starts one
DynamoDB Local per worker (DYNAMODB_LOCAL_INSTANCES, listed in DYNAMODB_LOCAL_URLS), and
LOCAL_URL is this worker's own, so no worker slows another's tables down. Tests of one module
run on one worker (`--dist loadscope`): module-scoped servers and tables are built once.
Anything a test opens must not collide with another worker's: free ports (port 0 or
`tests.hardening.fakes.unused_port`), tmp_path, unique table names.

Helpers for every folder, named for what they do:
- `tests.timing.patient(seconds)`: a wait for something expected, scaled by how slow this
  machine is (measured once at the start of the run; see tests/timing.py);
- `fresh_dynamodb_local` (module-scoped fixture): a DynamoDB Local of the module's own, for
  modules that make many stream-enabled tables (DynamoDB Local slows down as they pile up);
- `dynamodb_local`: a DynamoDB Local of the test's own, on disk, that it may stop and start;
- `Tables.create(stream=False)`: a table without a stream, for tests that read none (DynamoDB
  Local writes to a stream-enabled table several times slower).
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.tables import Tables
from tests import timing
from tests.persistent_local import PersistentDynamoDBLocal

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BACKENDS = ["moto", "dynamodb-local"]


def _local_url() -> str | None:
    """This process's DynamoDB Local: an xdist worker (gwN) takes the Nth of those started."""
    urls = os.environ.get("DYNAMODB_LOCAL_URLS", "").split()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if urls and worker.startswith("gw") and worker[2:].isdigit():
        url = urls[int(worker[2:]) % len(urls)]
        # Subprocesses (bench, examples) that read the variable find this worker's too.
        os.environ["DYNAMODB_LOCAL_URL"] = url
        return url
    return os.environ.get("DYNAMODB_LOCAL_URL")


LOCAL_URL = _local_url()
NO_LOCAL = (
    "DynamoDB Local is not running: run the suite with `make test`, which starts it inside a "
    "private network namespace (scripts/in-netns) and sets DYNAMODB_LOCAL_URL"
)

_local_counts = {"passed": 0, "failed": 0, "skipped": 0}


def local_client() -> DynamoDBClient:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    return boto3.client(
        "dynamodb",
        endpoint_url=LOCAL_URL,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture(autouse=True)
def _clean_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests build their own clients; the machine's AWS settings must not leak into them.
    for name in list(os.environ):
        if name.startswith(("AWS_", "GQL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(params=BACKENDS)
def client(request: pytest.FixtureRequest) -> Iterator[DynamoDBClient]:
    if request.param == "dynamodb-local":
        request.node.user_properties.append(("backend", "dynamodb-local"))
        yield local_client()
        return
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


def _new_table(client: DynamoDBClient, *, stream: bool) -> Iterator[str]:
    name = f"Devices-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(client, name), sleep=lambda _: None)
    # With a stream: the default, as tests of the default (test_stream_tables.py) need it.
    tables.create(wait=True) if stream else tables.create(wait=True, stream=False)
    try:
        yield name
    finally:
        tables.delete()


@pytest.fixture
def table(client: DynamoDBClient) -> Iterator[str]:
    """A fresh, empty Devices-shaped table under a unique name, deleted afterwards.

    Its stream is off: no test of it reads one, and DynamoDB Local writes to a table with a
    stream several times slower. Tests of the stream take `stream_table`.
    """
    yield from _new_table(client, stream=False)


@pytest.fixture
def stream_table(client: DynamoDBClient) -> Iterator[str]:
    """As `table`, but made as `Tables.create` makes it by default: with its stream on."""
    yield from _new_table(client, stream=True)


@contextlib.contextmanager
def table_on(backend: str) -> Iterator[tuple[DynamoDBClient, str]]:
    """A client of `backend` (a moto of its own, or DynamoDB Local) and a new table in it, its
    stream off; deleted afterwards. For module-scoped fixtures (`params=BACKENDS`) whose tests
    only read what the fixture wrote once: seeding a large table for every test is what made
    the store tests slow. Such tests count as DynamoDB Local tests by their parameter."""
    with contextlib.ExitStack() as stack:
        if backend == "dynamodb-local":
            client = local_client()
        else:
            stack.enter_context(mock_aws())
            client = boto3.client("dynamodb", region_name="us-east-1")
        for name in _new_table(client, stream=False):
            yield client, name


@pytest.fixture
def store(request: pytest.FixtureRequest, client: DynamoDBClient, table: str) -> ReadingStore:
    # In-process moto is not thread-safe: serialize calls to it, as the embedded backend does.
    lock = threading.Lock() if request.node.callspec.params["client"] == "moto" else None
    return ReadingStore(client, table, lock=lock, sleep=lambda _: None)


_SPEED = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    # Measured once, by the first pytest process; xdist workers inherit the variable.
    if timing.ENV in os.environ:
        config.stash[_SPEED] = f"from {timing.ENV}"
        return
    factor, detail = timing.measure(LOCAL_URL)
    os.environ[timing.ENV] = str(factor)
    config.stash[_SPEED] = detail


def pytest_report_header(config: pytest.Config) -> str:
    how = config.stash.get(_SPEED, "")
    return f"speed factor for waits (tests/timing.py): {timing.speed_factor():g} ({how})"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if ("backend", "dynamodb-local") not in report.user_properties:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _local_counts[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = _local_counts
    terminalreporter.write_line(
        f"DynamoDB Local: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped" + ("" if LOCAL_URL else f" ({NO_LOCAL})")
    )


@pytest.fixture
def dynamodb_local(  # a DynamoDB Local of the test's own, that it may stop
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[PersistentDynamoDBLocal]:
    if not LOCAL_URL:
        # Only inside the private network namespace may DynamoDB Local be started.
        pytest.skip(NO_LOCAL)
    request.node.user_properties.append(("backend", "dynamodb-local"))
    data = tmp_path / "data"
    data.mkdir()
    server = PersistentDynamoDBLocal(data, tmp_path / "dynamodb-local.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.client.close()


@pytest.fixture(scope="module")
def fresh_dynamodb_local(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PersistentDynamoDBLocal]:
    """A DynamoDB Local of this module's own, in memory, stopped after the module.

    For modules that make many stream-enabled tables, or that need an instance no other test
    has written to: DynamoDB Local writes to a stream-enabled table several times slower once
    an instance holds many (measured: 8.8 ms an item instead of 0.7). Its `url` and `client`
    are what to use; every test that asks for it counts as a DynamoDB Local test. Starting
    one takes a few seconds (a JVM): use it per module, not per test.
    """
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    logs = tmp_path_factory.mktemp("fresh-dynamodb-local")
    server = PersistentDynamoDBLocal(None, logs / "dynamodb-local.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.client.close()


# A test counts as a DynamoDB Local test (the summary line) when a fixture of these, or any
# parameter "dynamodb-local", puts it there; tagged at collection, because a module-scoped
# fixture is set up (or skipped) before any function-scoped one could tag the test.
_LOCAL_FIXTURES = {"fresh_dynamodb_local"}


# Folders whose modules run longest (subprocesses, servers, large tables) first, many small
# modules last: xdist hands out modules in this order (`make test` passes
# --no-loadscope-reorder, or xdist would sort them by their number of tests), and small ones
# fill the end of the run instead of one long module starting last and running alone.
_FIRST_TO_LAST = [
    "derive",  # each long one a few minutes, on a DynamoDB Local of its own (exactness, cost)
    "bench",
    "integration",
    "browser",
    "examples",
    "deploy",
    "relay",  # seconds against a redis-server of its own; the long relay tests are integration's
    "store",
    "hardening",
    "api",
    "live",
    "unit",
]


# The longest modules of all, first of their folder, longest first: each takes a worker for
# minutes, so that the rest of the suite fills the other workers meanwhile and none of them
# starts last.
_LONGEST = [
    "test_exactness.py",  # one history written, derived three ways
    "test_read_cost.py",
    "test_relay_replicas.py",  # about a minute: four replicas, gql derive, a redis-server
    "test_relay_restart.py",  # half a minute: redis-server restarted during writes
]


def _rank(item: pytest.Item) -> tuple[int, int]:
    folder = item.path.parent.name
    module = item.path.name
    return (
        _FIRST_TO_LAST.index(folder) if folder in _FIRST_TO_LAST else len(_FIRST_TO_LAST),
        _LONGEST.index(module) if module in _LONGEST else len(_LONGEST),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the order within a folder and a module stays
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if _LOCAL_FIXTURES & set(getattr(item, "fixturenames", ())) or "dynamodb-local" in params:
            item.user_properties.append(("backend", "dynamodb-local"))
