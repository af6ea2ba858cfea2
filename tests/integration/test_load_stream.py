"""`gql load` as a command on DynamoDB Local: NDJSON beside the JSON array, several threads,
the later duplicate winning, and broken files that change nothing. The slow test loads
1,000,000 NDJSON readings and records the command's peak RSS."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.integration.conftest import (
    GQL,
    Item,
    create_table,
    drop_table,
    local_env,
    put_items,
    run_gql,
    run_ok,
    sample_items,
    scan_table,
    unique_table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def table(dynamodb: DynamoDBClient) -> Iterator[str]:
    name = unique_table("load")
    create_table(dynamodb, name)
    yield name
    drop_table(dynamodb, name)


@pytest.fixture
def env(dynamodb_local_url: str, table: str) -> dict[str, str]:
    return local_env(dynamodb_local_url, table)


def ndjson(items: list[Item]) -> str:
    return "".join(json.dumps(item, default=str) + "\n" for item in items)


def with_version_1(items: list[Item]) -> list[Item]:
    return [{**item, "version": 1} for item in items]


@pytest.mark.parametrize("name", ["data.ndjson", "data.jsonl", "data.json"])
def test_ndjson_file_loads_like_the_json_array(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str], tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_text(ndjson(sample_items()), encoding="utf-8")

    done = run_ok("load", path, env=env)

    assert f"loaded 6 readings from {path}" in done.stdout
    assert scan_table(dynamodb, table) == with_version_1(sample_items())


def test_load_on_several_threads_writes_every_reading_and_the_last_duplicate_wins(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str], tmp_path: Path
) -> None:
    def item(device: int, n: int, temperature: str) -> Item:
        info = {"info_timestamp": str(1612519200 + n), "temperature1": Decimal(temperature)}
        return {"device_id": f"t{device}", "datacount": n, "info": info}

    first = [item(d, n, f"{d}.{n}") for d in range(9) for n in range(1, 41)]
    again = [item(d, n, f"-{d}.{n}") for d in range(0, 9, 2) for n in range(1, 41, 3)]
    path = tmp_path / "dups.json"
    path.write_text(json.dumps([*first, *again], default=str), encoding="utf-8")

    run_ok("load", "--threads", "3", path, env=env)

    expected = {(i["device_id"], i["datacount"]): i for i in first}
    expected.update({(i["device_id"], i["datacount"]): i for i in again})
    assert scan_table(dynamodb, table) == with_version_1(
        sorted(expected.values(), key=lambda i: (i["device_id"], i["datacount"]))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '{"device_id": "10001", "datacount": 1, "info": {"info_timestamp": "9"}}\n'
            "\n"
            '{"device_id": "10009", "datacount": 1, "info": {"info_timestamp": "x",'
            ' "temperature1": "hot"}}\n',
            "line 3 (item 1): info.temperature1: 'hot' is not a number",
            id="bad-value",
        ),
        pytest.param(
            '{"device_id": "10001", "datacount": 1, "info": {"info_timestamp": "9"}}\n'
            '{"device_id": "10009", "datacount": \n',
            "line 2 (item 1): not valid JSON",
            id="not-json",
        ),
    ],
)
def test_broken_ndjson_names_line_and_item_and_changes_nothing(
    dynamodb: DynamoDBClient,
    table: str,
    env: dict[str, str],
    tmp_path: Path,
    text: str,
    message: str,
) -> None:
    put_items(dynamodb, table, sample_items())
    before = scan_table(dynamodb, table)
    path = tmp_path / "broken.ndjson"
    path.write_text(text, encoding="utf-8")

    done = run_gql("load", path, env=env)

    assert done.returncode == 1
    assert message in done.stderr
    assert scan_table(dynamodb, table) == before


def test_threads_must_be_at_least_one(env: dict[str, str], tmp_path: Path) -> None:
    done = run_gql("load", "--threads", "0", tmp_path / "x.json", env=env)

    assert done.returncode == 2
    assert "--threads" in done.stderr


# -- a million readings ------------------------------------------------------------------


def write_ndjson(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            device, datacount = divmod(n, 1000)
            out.write(
                f'{{"device_id": "m{device:04d}", "datacount": {datacount + 1}, "info": '
                f'{{"info_timestamp": "{1612519200 + datacount}", "temperature1": '
                f"{(n % 4000) / 100}}}}}\n"
            )


def load_with_peak_rss(path: Path, env: dict[str, str], log: Path) -> tuple[float, int, str]:
    """Seconds, the command's own peak RSS in KiB (from wait4) and its stdout."""
    started = time.monotonic()
    with log.with_suffix(".out").open("w") as out, log.with_suffix(".err").open("w") as err:
        process = subprocess.Popen(
            [str(GQL), "load", str(path)], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, log.with_suffix(".err").read_text()
    return time.monotonic() - started, usage.ru_maxrss, log.with_suffix(".out").read_text()


@pytest.mark.slow
def test_million_ndjson_readings_load_with_flat_memory(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str], tmp_path: Path
) -> None:
    big, small = tmp_path / "big.ndjson", tmp_path / "small.ndjson"
    write_ndjson(big, 1_000_000)
    write_ndjson(small, 10_000)
    small_table = unique_table("load-small")
    create_table(dynamodb, small_table)
    try:
        small_s, small_kib, _ = load_with_peak_rss(
            small, {**env, "GQL_TABLE": small_table}, tmp_path / "small"
        )
    finally:
        drop_table(dynamodb, small_table)

    big_s, big_kib, out = load_with_peak_rss(big, env, tmp_path / "big")

    print(
        f"gql load of 1,000,000 NDJSON readings: {big_s:.0f} s, peak RSS {big_kib} KiB; "
        f"of 10,000: {small_s:.1f} s, peak RSS {small_kib} KiB"
    )
    assert "loaded 1000000 readings" in out
    last = dynamodb.get_item(
        TableName=env["GQL_TABLE"], Key={"device_id": {"S": "m0999"}, "datacount": {"N": "1000"}}
    )
    assert "Item" in last
    assert big_kib < 2 * small_kib, f"peak RSS {big_kib} KiB vs {small_kib} KiB at 10,000"
