"""Issue 16, "Rebuild": a table made and written by the tutorial's own scripts (create_table.py,
load_data.py with data.json, create_item.py and update_item.py with string temperatures,
delete_item.py), given the index and the history table and rebuilt with `gql derive rebuild`,
has the same rollups and registry as the same writes derived one by one by `gql derive` as
they came. On DynamoDB Local, every step a command or the tutorial's boto3 calls.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from gql.store import DynamoDB, HistoryTable
from tests.derive.conftest import OwnLocal
from tests.derive.recording import expected_history, scan, stored_history
from tests.integration.conftest import GQL, SAMPLE, create_table, run_gql, run_ok
from tests.timing import patient

T0 = 1_612_519_200


def tutorial_calls(seed: int) -> list[tuple[str, dict[str, Any]]]:
    """What the tutorial's scripts send, as (boto3 resource method, arguments), in order."""
    calls: list[tuple[str, dict[str, Any]]] = [
        ("put_item", {"Item": device})
        for device in json.loads(SAMPLE.read_text(encoding="utf-8"), parse_float=Decimal)
    ]
    rng = random.Random(seed)
    for n in range(3, 300):
        device = f"1000{n % 4 + 1}"
        stamp = str(T0 + rng.randrange(-40, 40) * 3600 + rng.randrange(3600))
        temperatures = [f"{rng.randrange(1000, 4000) / 100:.2f}" for _ in range(5)]
        calls.append(
            ("put_item", {"Item": _item(device, n, stamp, temperatures)})
        )  # create_item.py
        if rng.random() < 0.2:  # update_item.py, to another time
            stamp = str(T0 + rng.randrange(-40, 40) * 3600)
            calls.append(("update_item", _update(device, n, stamp, temperatures[::-1])))
        if rng.random() < 0.1:  # delete_item.py
            calls.append(
                (
                    "delete_item",
                    {
                        "Key": {"device_id": device, "datacount": n},
                        "ConditionExpression": "info.info_timestamp >= :val",
                        "ExpressionAttributeValues": {":val": "0"},
                    },
                )
            )
    return calls


def _item(device: str, n: int, stamp: str, temperatures: list[str]) -> dict[str, Any]:
    info = {
        "info_timestamp": stamp,
        **{f"temperature{k + 1}": t for k, t in enumerate(temperatures)},
    }
    return {"device_id": device, "datacount": n, "info": info}


def _update(device: str, n: int, stamp: str, temperatures: list[str]) -> dict[str, Any]:
    names = ", ".join(f"info.temperature{k}=:t{k}" for k in range(1, 6))
    values = {f":t{k + 1}": t for k, t in enumerate(temperatures)}
    return {
        "Key": {"device_id": device, "datacount": n},
        "UpdateExpression": f"set info.info_timestamp=:time, {names}",
        "ExpressionAttributeValues": {":time": stamp, **values},
    }


def run_the_tutorial(local: OwnLocal, table: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
    devices = boto3.resource(
        "dynamodb",
        endpoint_url=local.url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table(table)
    for method, arguments in calls:
        getattr(devices, method)(**arguments)


def create_the_tutorials_table(local: OwnLocal, table: str) -> None:
    """create_table.py: provisioned, no stream, no index."""
    create_table(local.client, table)


def test_the_tutorials_table_rebuilt_has_the_history_derived_as_it_came(
    own_local: OwnLocal, tmp_path: Path
) -> None:
    calls = tutorial_calls(seed=11)
    # The tutorial's table as it stands after its scripts ran, then given what the API needs.
    create_the_tutorials_table(own_local, "Tutorial")
    run_the_tutorial(own_local, "Tutorial", calls)
    tutorial = own_local.env("Tutorial")
    run_ok("table", "index", "on", env=tutorial)
    run_ok("table", "create", "--wait", env=tutorial)
    started = time.monotonic()
    rebuilt = run_gql("derive", "rebuild", env=tutorial, timeout=600)
    rebuilding = time.monotonic() - started
    assert rebuilt.returncode == 0, rebuilt.stderr

    # The same calls on a table `gql derive` watches from the start.
    watched = own_local.env("Watched")
    run_ok("table", "create", "--wait", env=watched)
    with (tmp_path / "derive.log").open("wb") as log:
        consumer = subprocess.Popen(
            [str(GQL), "derive"], env=watched, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    try:
        run_the_tutorial(own_local, "Watched", calls)
        written = time.time()
        history = HistoryTable(DynamoDB(own_local.client, "WatchedHistory"))
        deadline = time.monotonic() + patient(300)
        while not any(s.up_to and s.up_to > written and not s.backlog for s in history.statuses()):
            assert consumer.poll() is None, (tmp_path / "derive.log").read_text()
            assert time.monotonic() < deadline, "gql derive did not catch up within 300 s"
            time.sleep(0.2)
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(timeout=patient(60))

    from_rebuild = stored_history(own_local.client, "TutorialHistory")
    as_it_came = stored_history(own_local.client, "WatchedHistory")
    assert from_rebuild == as_it_came
    assert from_rebuild == expected_history(scan(own_local.client, "Tutorial"))
    assert scan(own_local.client, "Tutorial") == scan(own_local.client, "Watched")
    registry = {k[1] for k in from_rebuild if k[0] == "#"}
    assert registry == {"r#10001", "r#10002", "r#10003", "r#10004"}
    print(
        f"\nrebuild: {len(calls)} tutorial calls; rebuilt in {rebuilding:.1f} s: "
        f"{rebuilt.stdout.strip()}; {len(from_rebuild)} rollups and registry entries, the "
        "same as derived as they came"
    )
