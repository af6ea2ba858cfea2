"""`gql serve --workers 2` on DynamoDB Local: the tutorial's flow, cursors that every worker
accepts, each worker pinned to a CPU of its own (GQL_PIN_CPU); `--workers` is refused for the
embedded backend, whose table lives in one process."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.integration.conftest import (
    SAMPLE,
    Server,
    bare_env,
    create_and_load,
    drop_table,
    local_env,
    run_gql,
    sample_items,
    unique_table,
)
from tests.integration.test_tutorial_flow import (
    test_tutorial_flow_through_graphql as tutorial_flow,  # not collected again under this name
)
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SCAN_ONE = """query($after: String) { scanReadings(first: 1, after: $after) {
  edges { node { deviceId datacount } } pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture(scope="module")
def table(dynamodb_local_url: str, dynamodb: DynamoDBClient) -> Iterator[str]:
    name = unique_table("workers")
    try:
        create_and_load(dynamodb_local_url, name, SAMPLE)
        yield name
    finally:
        drop_table(dynamodb, name)


@pytest.fixture(scope="module")
def server(
    dynamodb_local_url: str, table: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = local_env(dynamodb_local_url, table)
    del env["GQL_CURSOR_SECRET"]  # the workers must agree on a secret of their own
    env["GQL_PIN_CPU"] = "true"  # each worker on a CPU of its own
    with Server(env, tmp_path_factory.mktemp("workers"), "--workers", "2") as server:
        yield server
        # SIGTERM, not SIGKILL: the parent stops its workers on the way out.
        assert server.terminate(timeout=20) in (0, -15, 143), server.stderr_tail()


def worker_pids(server: Server) -> set[str]:
    return set(re.findall(r"Started server process \[(\d+)\]", server.stderr))


def test_two_worker_processes_start(server: Server) -> None:
    deadline = time.monotonic() + patient(30)  # the first worker may answer before the second is up
    while len(worker_pids(server)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)

    assert len(worker_pids(server)) == 2, server.stderr_tail()


def test_each_worker_runs_on_a_cpu_of_its_own(server: Server) -> None:
    deadline = time.monotonic() + patient(30)
    while len(pinned(server)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    cpus = pinned(server)

    assert set(cpus) == worker_pids(server), server.stdout
    for pid, cpu in cpus.items():  # every thread of the worker, as the kernel has it
        assert allowed_cpus(pid) == {str(cpu)}
    if len(os.sched_getaffinity(0)) >= 2:
        assert len(set(cpus.values())) == 2


def pinned(server: Server) -> dict[str, int]:
    lines = re.findall(r"process (\d+) runs on CPU (\d+) only", server.stdout)
    return {pid: int(cpu) for pid, cpu in lines}


def allowed_cpus(pid: str) -> set[str]:
    found = set()
    for thread in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{thread}/status", encoding="ascii") as status:
            found |= {line.split()[1] for line in status if line.startswith("Cpus_allowed_list")}
    return found


def test_tutorial_flow_with_two_workers(
    server: Server, dynamodb: DynamoDBClient, table: str
) -> None:
    tutorial_flow(server, dynamodb, table)


def test_cursor_from_one_worker_is_accepted_by_the_other(server: Server) -> None:
    # A new connection per page, so that pages land on both workers (the kernel spreads them).
    found: list[tuple[str, int]] = []
    after = None
    for _ in range(50):
        response = httpx.post(
            f"{server.url}/graphql",
            json={"query": SCAN_ONE, "variables": {"after": after}},
            headers={"connection": "close"},
            timeout=patient(10),
        )
        body = response.json()
        assert "errors" not in body, f"{body}\n{server.stderr_tail()}"
        page = body["data"]["scanReadings"]
        found += [(e["node"]["deviceId"], e["node"]["datacount"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = {(item["device_id"], int(item["datacount"])) for item in sample_items()}

    assert set(found) >= expected  # the tutorial flow may have added and removed 10001/3
    assert len(found) == len(set(found))


def test_workers_are_refused_for_the_embedded_backend() -> None:
    done = run_gql("serve", "--workers", "2", env=bare_env())

    assert done.returncode == 1
    assert "--workers 2 needs a real DynamoDB" in done.stderr
    assert "embedded" in done.stderr


def test_workers_must_be_at_least_one() -> None:
    done = run_gql("serve", "--workers", "0", env=bare_env())

    assert done.returncode == 2
    assert "below the minimum of 1" in done.stderr
