"""`gql migrate-legacy` and `gql export`, run as commands against DynamoDB Local."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr

from tests.integration.conftest import (
    SAMPLE,
    Item,
    create_table,
    drop_table,
    local_env,
    run_gql,
    run_ok,
    sample_items,
    scan_table,
    unique_table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CSV_HEADER = (
    "device_id,datacount,info_timestamp,temperature1,temperature2,temperature3,temperature4,"
    "temperature5,version"
)


@pytest.fixture
def tables(dynamodb: DynamoDBClient) -> Iterator[list[str]]:
    """Unique table names for a test; every table made under them is dropped afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        drop_table(dynamodb, name)


def new_table(tables: list[str], prefix: str) -> str:
    name = unique_table(prefix)
    tables.append(name)
    return name


def put_device(
    url: str,
    table: str,
    device_id: str,
    datacount: int,
    timestamp: str,
    *temperatures: str,
) -> None:
    """The tutorial's create_item.py put_device(), with its table name and endpoint as given."""
    dynamodb = boto3.resource(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    devices_table = dynamodb.Table(table)
    t1, t2, t3, t4, t5 = temperatures
    devices_table.put_item(
        Item={
            "device_id": device_id,
            "datacount": datacount,
            "info": {
                "info_timestamp": timestamp,
                "temperature1": t1,
                "temperature2": t2,
                "temperature3": t3,
                "temperature4": t4,
                "temperature5": t5,
            },
        }
    )


@pytest.fixture
def legacy_table(dynamodb_local_url: str, dynamodb: DynamoDBClient, tables: list[str]) -> str:
    """The six sample readings, each written as create_item.py writes: temperatures as strings."""
    table = new_table(tables, "legacy")
    create_table(dynamodb, table)
    for item in sample_items():
        info = item["info"]
        put_device(
            dynamodb_local_url,
            table,
            item["device_id"],
            item["datacount"],
            info["info_timestamp"],
            *(str(info[f"temperature{n}"]) for n in range(1, 6)),
        )
    return table


def filtered(dynamodb_local_url: str, table: str, condition: Any) -> set[tuple[str, int]]:
    """Keys that a boto3 Scan with a FilterExpression finds: DynamoDB's own comparison."""
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=dynamodb_local_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    items = resource.Table(table).scan(FilterExpression=condition, ConsistentRead=True)["Items"]
    return {(str(i["device_id"]), int(str(i["datacount"]))) for i in items}


def test_migrate_legacy_makes_numeric_filters_match_and_a_second_run_changes_nothing(
    dynamodb_local_url: str, dynamodb: DynamoDBClient, legacy_table: str
) -> None:
    env = local_env(dynamodb_local_url, legacy_table)
    hot = Attr("info.temperature1").gt(Decimal(30))
    expected_hot = {
        (i["device_id"], i["datacount"]) for i in sample_items() if i["info"]["temperature1"] > 30
    }
    assert expected_hot  # the sample has readings above 30
    assert filtered(dynamodb_local_url, legacy_table, hot) == set()  # strings never match
    before = scan_table(dynamodb, legacy_table)

    dry = run_ok("migrate-legacy", "--dry-run", env=env)
    assert "6 would change, 0 already numeric, 0 skipped (not a number), 0 changed" in dry.stdout
    assert scan_table(dynamodb, legacy_table) == before

    done = run_ok("migrate-legacy", env=env)
    assert "6 readings: 6 changed, 0 already numeric, 0 skipped (not a number)" in done.stdout
    assert filtered(dynamodb_local_url, legacy_table, hot) == expected_hot
    migrated = scan_table(dynamodb, legacy_table)
    assert migrated == [{**item, "version": 1} for item in sample_items()]
    assert all(
        isinstance(i["info"][f"temperature{n}"], Decimal) for i in migrated for n in range(1, 6)
    )

    again = run_ok("migrate-legacy", env=env)
    assert "6 readings: 0 changed, 6 already numeric" in again.stdout
    assert scan_table(dynamodb, legacy_table) == migrated


def test_migrate_legacy_on_a_missing_table_fails_with_a_message(
    dynamodb_local_url: str,
) -> None:
    done = run_gql("migrate-legacy", env=local_env(dynamodb_local_url, unique_table("none")))

    assert done.returncode == 1
    assert "does not exist" in done.stderr


# -- export ------------------------------------------------------------------------------


def generated(count: int, *, devices: int = 10, seed: int = 11) -> list[Item]:
    """Readings in the load file's format, with versions and numbers a float would round."""
    rng = random.Random(seed)
    per_device = count // devices
    return [
        {
            "device_id": f"dev-{d:03d}",
            "datacount": n,
            "info": {
                "info_timestamp": str(1612519200 + 60 * n),
                **{
                    f"temperature{t}": Decimal(rng.randrange(-5000, 5000)) / 100
                    for t in range(1, 6)
                    if rng.random() > 0.1
                },
            },
            "version": rng.randrange(1, 9),
        }
        for d in range(devices)
        for n in range(1, per_device + 1)
    ]


def loaded_table(url: str, tables: list[str], source: Path) -> str:
    table = new_table(tables, "export")
    env = local_env(url, table)
    run_ok("table", "create", "--wait", env=env)
    # Not a test of speed: 10,000 writes, each to the table and its time index, on a DynamoDB
    # Local that may be shared and slow (a minute on a loaded 2-core machine).
    done = run_gql("load", source, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return table


EXPORTED_COUNT = 10_000


@pytest.fixture(scope="module")
def large_table(
    dynamodb_local_url: str, dynamodb: DynamoDBClient
) -> Iterator[tuple[str, list[Item]]]:
    """10,000 readings written by boto3 (only export and load are under test), and what a scan
    of them gives; once for both formats, which only read it."""
    items = generated(EXPORTED_COUNT)
    source = unique_table("export")
    create_table(dynamodb, source)
    try:
        resource = boto3.resource(
            "dynamodb",
            endpoint_url=dynamodb_local_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        with resource.Table(source).batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)
        original = scan_table(dynamodb, source)
        assert original == sorted(items, key=lambda i: (i["device_id"], i["datacount"]))
        yield source, original
    finally:
        drop_table(dynamodb, source)


@pytest.mark.parametrize("form", ["json", "ndjson"])
def test_export_then_load_gives_an_identical_table(
    dynamodb_local_url: str,
    dynamodb: DynamoDBClient,
    large_table: tuple[str, list[Item]],
    tables: list[str],
    tmp_path: Path,
    form: str,
) -> None:
    url = dynamodb_local_url
    source, original = large_table
    # gql load tells the formats apart by the file's suffix (and its first character).
    exported = tmp_path / f"exported.{form}"
    done = run_ok("export", "--format", form, "-o", exported, env=local_env(url, source))
    assert f"exported {EXPORTED_COUNT} readings of {source}" in done.stderr
    # The copy has no stream, as the source: DynamoDB Local writes to a stream-enabled table
    # several times slower, and `gql table create` has tests of its own (test_cli.py).
    copy = new_table(tables, "export")
    create_table(dynamodb, copy)
    run_ok("load", exported, env=local_env(url, copy))

    assert scan_table(dynamodb, copy) == original


@pytest.fixture(scope="module")
def sample_table(dynamodb_local_url: str, dynamodb: DynamoDBClient) -> Iterator[str]:
    """The sample data loaded with `gql load`, once for the export tests that only read it."""
    names: list[str] = []
    yield loaded_table(dynamodb_local_url, names, SAMPLE)
    for name in names:
        drop_table(dynamodb, name)


def test_export_to_standard_output_is_json_by_default(
    dynamodb_local_url: str, sample_table: str
) -> None:
    done = run_ok("export", env=local_env(dynamodb_local_url, sample_table))

    exported = json.loads(done.stdout, parse_float=Decimal)
    key = lambda i: (i["device_id"], i["datacount"])  # noqa: E731
    assert sorted(exported, key=key) == sorted(
        [{**item, "version": 1} for item in sample_items()], key=key
    )


def test_export_of_one_device_as_ndjson_is_its_readings_in_order(
    dynamodb_local_url: str, sample_table: str
) -> None:
    done = run_ok(
        "export", "--format", "ndjson", "--device", "10001",
        env=local_env(dynamodb_local_url, sample_table),
    )  # fmt: skip

    lines = [json.loads(line, parse_float=Decimal) for line in done.stdout.splitlines()]
    assert lines == [
        {**item, "version": 1} for item in sample_items() if item["device_id"] == "10001"
    ]
    assert "exported 2 readings of device 10001" in done.stderr


def test_export_as_csv_has_the_spreadsheet_columns(
    dynamodb_local_url: str, sample_table: str, tmp_path: Path
) -> None:
    out = tmp_path / "readings.csv"
    run_ok(
        "export", "--format", "csv", "--device", "10002", "-o", out,
        env=local_env(dynamodb_local_url, sample_table),
    )  # fmt: skip

    expected = [CSV_HEADER] + [
        ",".join(
            [item["device_id"], str(item["datacount"]), item["info"]["info_timestamp"]]
            + [str(item["info"][f"temperature{n}"]) for n in range(1, 6)]
            + ["1"]
        )
        for item in sample_items()
        if item["device_id"] == "10002"
    ]
    assert out.read_text(encoding="utf-8").splitlines() == expected


def test_export_of_an_unknown_device_is_empty(dynamodb_local_url: str, sample_table: str) -> None:
    done = run_ok("export", "--device", "nobody", env=local_env(dynamodb_local_url, sample_table))

    assert done.stdout == "[]\n"


def test_an_export_that_fails_leaves_no_file(dynamodb_local_url: str, tmp_path: Path) -> None:
    out = tmp_path / "readings.ndjson"

    done = run_gql(
        "export", "--format", "ndjson", "-o", out,
        env=local_env(dynamodb_local_url, unique_table("none")),
    )  # fmt: skip

    assert done.returncode == 1
    assert "does not exist" in done.stderr
    assert list(tmp_path.iterdir()) == []
