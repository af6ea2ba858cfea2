"""`gql table create/describe/delete` with the history table, `gql table index on`,
`gql derive rebuild` and `gql derive`, run as commands against DynamoDB Local."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from gql.store import DynamoDB, HistoryTable
from tests.derive.recording import expected_history, scan, stored_history, tutorial_item
from tests.integration.conftest import (
    GQL,
    SAMPLE,
    create_table,
    drop_table,
    local_env,
    put_items,
    run_gql,
    run_ok,
    sample_items,
    table_exists,
    unique_table,
)
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def table(dynamodb: DynamoDBClient) -> Iterator[str]:
    name = unique_table("derive")
    yield name
    drop_table(dynamodb, name)


@pytest.fixture
def env(dynamodb_local_url: str, table: str) -> dict[str, str]:
    return local_env(dynamodb_local_url, table)


def test_create_makes_the_table_its_time_index_and_history_and_delete_removes_both(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    created = run_ok("table", "create", "--wait", env=env)
    described = run_ok("table", "describe", env=env)

    assert (
        "time index: device_id-recorded_at-index (device_id, recorded_at), ACTIVE" in created.stdout
    )
    assert f"history:    {table}History, ACTIVE, 0 items" in created.stdout
    assert f"history:    {table}History, ACTIVE" in described.stdout
    assert "time index: device_id-recorded_at-index" in described.stdout
    assert table_exists(dynamodb, f"{table}History")

    deleted = run_ok("table", "delete", "--yes", env=env)

    assert f"history table {table}History deleted" in deleted.stdout
    assert not table_exists(dynamodb, table)
    assert not table_exists(dynamodb, f"{table}History")


def test_the_tutorials_table_gets_an_index_and_a_rebuilt_history(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    create_table(dynamodb, table)  # as create_table.py makes it: no stream, no index
    put_items(dynamodb, table, sample_items())
    dynamodb.put_item(
        TableName=table, Item=tutorial_item("10001", 3, "1612522800", temperature1="23.74")
    )

    indexed = run_ok("table", "index", "on", env=env)
    created = run_ok("table", "create", "--wait", env=env)
    rebuilt = run_ok("derive", "rebuild", env=env)
    again = run_ok("derive", "rebuild", "--device", "10001", env=env)

    assert "the time index of table" in indexed.stdout
    assert "is now on (ACTIVE)" in indexed.stdout
    assert "gql derive rebuild" in indexed.stdout
    assert "already exists" in created.stdout
    assert "created for a table that has readings" in created.stdout
    assert "7 readings (7 given their time index), 3 devices" in rebuilt.stdout
    assert "3 readings (0 given their time index), 1 devices" in again.stdout
    assert "0 history items written" in again.stdout
    history = stored_history(dynamodb, f"{table}History")
    assert history == expected_history(scan(dynamodb, table))
    assert history[("#", "r#10001")].count == 3


def test_rebuild_on_a_terminal_shows_its_progress(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    run_ok("table", "create", "--wait", env=env)
    put_items(dynamodb, table, sample_items())
    terminal, screen = pty.openpty()
    shown: list[bytes] = []

    def watch() -> None:  # read as it is written: a full pty would stop the command
        while True:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # EIO: the command ended and closed its end
                return
            if not chunk:
                return
            shown.append(chunk)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        done = subprocess.run(
            [str(GQL), "derive", "rebuild"],
            env={**env, "TERM": "xterm-256color", "COLUMNS": "100"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=screen,
            text=True,
            timeout=patient(60),
            check=False,
        )
    finally:
        os.close(screen)
    watcher.join(timeout=patient(10))
    os.close(terminal)
    text = b"".join(shown).decode(errors="replace")

    assert done.returncode == 0, text
    assert "readings read" in text
    assert "device-months derived" in text
    assert "rebuilt the history" in done.stdout  # the summary on stdout, the bars on stderr
    assert "readings read" not in done.stdout


def test_derive_rebuild_and_serve_derive_say_what_a_table_lacks_and_how_to_add_it(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    create_table(dynamodb, table)  # the tutorial's: no index, no history table

    commands = (["derive"], ["derive", "rebuild"], ["serve", "--derive", "--port", "0"])
    no_index = [run_gql(*command, env=env) for command in commands]
    run_ok("table", "index", "on", env=env)
    no_history = run_gql("derive", "rebuild", env=env)

    for done in no_index:
        assert done.returncode == 1
        assert "has no time index: add it with `gql table index on`" in done.stderr
        assert "Traceback" not in done.stderr
    assert no_history.returncode == 1
    assert f"the history table {table}History does not exist" in no_history.stderr
    assert "`gql table create`" in no_history.stderr


def test_derive_keeps_the_history_until_sigterm_then_exits_0(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    run_ok("table", "create", "--wait", env=env)
    process = subprocess.Popen(
        [str(GQL), "derive"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        run_ok("load", SAMPLE, env=env)
        history = HistoryTable(DynamoDB(dynamodb, f"{table}History"))
        deadline = time.monotonic() + patient(60)
        while not history.entries(["10001", "10002", "10003"]).keys() >= {"10001", "10003"}:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "gql derive derived nothing in time"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=patient(30))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0, err
    assert f"deriving the history of table {table} into {table}History" in out
    assert "derive stopped after" in out
    assert [s.reporter for s in history.statuses()] == ["derive"]
