"""`gql table`, `gql load` and `gql export-schema`, run as commands."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.conftest import (
    REPO,
    SAMPLE,
    Item,
    bare_env,
    create_table,
    drop_table,
    local_env,
    put_items,
    run_gql,
    run_ok,
    sample_items,
    scan_table,
    table_exists,
    unique_table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def table(dynamodb: DynamoDBClient) -> Iterator[str]:
    """A unique table name; the table is dropped afterwards if it was made."""
    name = unique_table("cli")
    yield name
    drop_table(dynamodb, name)


@pytest.fixture
def env(dynamodb_local_url: str, table: str) -> dict[str, str]:
    return local_env(dynamodb_local_url, table)


@pytest.fixture
def tutorial_table(dynamodb: DynamoDBClient, table: str) -> str:
    """The table as the tutorial's create_table.py makes it, still empty."""
    create_table(dynamodb, table)
    return table


def without_version(items: list[Item]) -> list[Item]:
    return [{k: v for k, v in item.items() if k != "version"} for item in items]


# -- table create / describe / delete ----------------------------------------------------


def test_table_create_wait_creates_an_active_table_with_the_tutorial_keys(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    done = run_gql("table", "create", "--wait", env=env)

    assert done.returncode == 0, done.stderr
    assert table in done.stdout
    description = dynamodb.describe_table(TableName=table)["Table"]
    assert description["TableStatus"] == "ACTIVE"
    assert description["KeySchema"] == [
        {"AttributeName": "device_id", "KeyType": "HASH"},
        {"AttributeName": "datacount", "KeyType": "RANGE"},
    ]


def test_table_create_again_succeeds_says_it_exists_and_keeps_the_readings(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    run_ok("table", "create", "--wait", env=env)
    put_items(dynamodb, table, sample_items()[:2])
    before = scan_table(dynamodb, table)

    again = run_gql("table", "create", "--wait", env=env)

    assert again.returncode == 0, again.stderr
    assert "exists" in again.stdout.lower()
    assert scan_table(dynamodb, table) == before


def test_table_describe_shows_active_and_the_key_schema(
    tutorial_table: str, env: dict[str, str]
) -> None:
    done = run_gql("table", "describe", env=env)

    assert done.returncode == 0, done.stderr
    assert tutorial_table in done.stdout
    assert "ACTIVE" in done.stdout
    assert re.search(r"device_id\W+HASH", done.stdout), done.stdout
    assert re.search(r"datacount\W+RANGE", done.stdout), done.stdout


def test_table_delete_without_yes_and_without_a_terminal_refuses(
    dynamodb: DynamoDBClient, tutorial_table: str, env: dict[str, str]
) -> None:
    done = run_gql("table", "delete", env=env)

    assert done.returncode != 0
    assert "--yes" in done.stderr
    assert table_exists(dynamodb, tutorial_table)


def test_table_delete_yes_deletes_the_table(
    dynamodb: DynamoDBClient, tutorial_table: str, env: dict[str, str]
) -> None:
    done = run_gql("table", "delete", "--yes", env=env)

    assert done.returncode == 0, done.stderr
    assert tutorial_table in done.stdout
    assert not table_exists(dynamodb, tutorial_table)


# -- load --------------------------------------------------------------------------------


def test_load_writes_exactly_the_six_tutorial_readings(
    dynamodb: DynamoDBClient, tutorial_table: str, env: dict[str, str]
) -> None:
    run_ok("load", SAMPLE, env=env)

    assert without_version(scan_table(dynamodb, tutorial_table)) == sample_items()


def test_loading_the_same_file_twice_leaves_the_same_six_items(
    dynamodb: DynamoDBClient, tutorial_table: str, env: dict[str, str]
) -> None:
    run_ok("load", SAMPLE, env=env)
    first = scan_table(dynamodb, tutorial_table)

    run_ok("load", SAMPLE, env=env)

    assert len(first) == 6
    assert scan_table(dynamodb, tutorial_table) == first


def reading(device_id: str, datacount: Any, **info: Any) -> dict[str, Any]:
    temperatures = {f"temperature{n}": 20.5 + n for n in range(1, 6)}
    return {
        "device_id": device_id,
        "datacount": datacount,
        "info": {"info_timestamp": "1612519200", **temperatures, **info},
    }


def with_bad_fourth_item(bad: dict[str, Any]) -> str:
    # Three good readings first, two of them changing the sample's: if anything were written
    # before the bad item is found, the table would show it.
    good = [
        reading("10001", 1, temperature1=99.9),
        reading("10001", 2, temperature1=99.9),
        reading("10009", 1),
    ]
    return json.dumps([*good, bad], indent=2)


ITEM_3 = r"\b(item|index)\W{0,2}3\b"
missing_device_id = reading("10009", 2)
del missing_device_id["device_id"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('[{"device_id": "10001", "datacount": 1,', [r"JSON"], id="not-json"),
        pytest.param(
            with_bad_fourth_item(missing_device_id), [ITEM_3, r"device_id"], id="no-device-id"
        ),
        pytest.param(
            with_bad_fourth_item(reading("10009", 2, temperature1="abc")),
            [ITEM_3, r"temperature1", r"abc"],
            id="temperature-not-a-number",
        ),
        pytest.param(
            with_bad_fourth_item(reading("10009", 1.5)),
            [ITEM_3, r"datacount", r"1\.5"],
            id="fractional-datacount",
        ),
    ],
)
def test_loading_a_broken_file_fails_names_the_problem_and_changes_nothing(
    dynamodb: DynamoDBClient,
    tutorial_table: str,
    env: dict[str, str],
    tmp_path: Path,
    text: str,
    expected: list[str],
) -> None:
    put_items(dynamodb, tutorial_table, sample_items())
    before = scan_table(dynamodb, tutorial_table)
    broken = tmp_path / "broken.json"
    broken.write_text(text, encoding="utf-8")

    done = run_gql("load", broken, env=env)

    assert done.returncode != 0
    for pattern in expected:
        assert re.search(pattern, done.stderr), f"{pattern!r} not in {done.stderr!r}"
    assert scan_table(dynamodb, tutorial_table) == before


# -- without DynamoDB Local --------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["table", "create", "--wait"], id="table-create"),
        pytest.param(["table", "describe"], id="table-describe"),
        pytest.param(["table", "delete", "--yes"], id="table-delete"),
        pytest.param(["load", str(SAMPLE)], id="load"),
    ],
)
def test_table_commands_without_an_endpoint_say_how_to_point_at_dynamodb_local(
    command: list[str],
) -> None:
    # Credentials but no endpoint: the command must not fall back to the embedded backend,
    # which would "succeed" on a table that vanishes when the command exits.
    env = bare_env(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_REGION="us-east-1")

    done = run_gql(*command, env=env)

    assert done.returncode != 0
    assert "AWS_ENDPOINT_URL_DYNAMODB" in done.stderr
    assert "dynamodb local" in done.stderr.lower()
    assert not re.search(r"created|deleted|loaded", done.stdout)


def test_export_schema_writes_the_committed_schema(tmp_path: Path) -> None:
    output = tmp_path / "schema.graphql"

    run_ok("export-schema", "-o", output, env=bare_env())

    assert output.read_text(encoding="utf-8") == (REPO / "schema.graphql").read_text(
        encoding="utf-8"
    )
