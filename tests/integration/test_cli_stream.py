"""`gql table create | stream on | stream off | describe` and the table's stream, as commands
against DynamoDB Local; what they did is checked with plain boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.conftest import (
    bare_env,
    create_table,
    drop_table,
    local_env,
    run_gql,
    run_ok,
    unique_table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BOTH = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


@pytest.fixture
def table(dynamodb: DynamoDBClient) -> Iterator[str]:
    name = unique_table("cli-stream")
    yield name
    drop_table(dynamodb, name)


@pytest.fixture
def env(dynamodb_local_url: str, table: str) -> dict[str, str]:
    return local_env(dynamodb_local_url, table)


def described(dynamodb: DynamoDBClient, table: str) -> dict[str, Any]:
    description: Any = dynamodb.describe_table(TableName=table)["Table"]
    return dict(description)


def streamed_table(dynamodb: DynamoDBClient, table: str) -> str:
    """The tutorial's table with a stream of both images; its ARN."""
    create_table(dynamodb, table)
    dynamodb.update_table(TableName=table, StreamSpecification=BOTH)  # type: ignore[arg-type]
    return str(described(dynamodb, table)["LatestStreamArn"])


def test_table_create_turns_the_stream_on_and_describe_shows_it(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    created = run_ok("table", "create", "--wait", env=env)
    shown = run_ok("table", "describe", env=env)

    description = described(dynamodb, table)
    assert description.get("StreamSpecification") == BOTH
    assert "stream:     on, NEW_AND_OLD_IMAGES" in created.stdout
    assert "stream:     on, NEW_AND_OLD_IMAGES" in shown.stdout
    assert f"stream arn: {description['LatestStreamArn']}" in shown.stdout


def test_stream_on_gives_the_tutorials_table_a_stream(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    create_table(dynamodb, table)  # as the tutorial's create_table.py: no stream

    done = run_ok("table", "stream", "on", env=env)

    description = described(dynamodb, table)
    assert description.get("StreamSpecification") == BOTH
    assert "is now on" in done.stdout
    assert description["LatestStreamArn"] in done.stdout


def test_stream_on_when_it_is_on_changes_nothing(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    arn = streamed_table(dynamodb, table)

    done = run_ok("table", "stream", "on", env=env)

    assert "already on" in done.stdout
    assert described(dynamodb, table)["LatestStreamArn"] == arn


def test_stream_on_replaces_a_keys_only_stream_and_says_it_is_a_new_one(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    create_table(dynamodb, table)
    dynamodb.update_table(
        TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    old_arn = described(dynamodb, table)["LatestStreamArn"]

    done = run_ok("table", "stream", "on", env=env)

    description = described(dynamodb, table)
    assert description.get("StreamSpecification") == BOTH
    assert description["LatestStreamArn"] != old_arn
    assert "new stream" in done.stdout


def test_stream_off_then_describe_says_off_and_names_the_command(
    dynamodb: DynamoDBClient, table: str, env: dict[str, str]
) -> None:
    streamed_table(dynamodb, table)

    off = run_ok("table", "stream", "off", env=env)
    again = run_ok("table", "stream", "off", env=env)
    shown = run_ok("table", "describe", env=env)

    assert "StreamSpecification" not in described(dynamodb, table)
    assert "is now off" in off.stdout
    assert "already off" in again.stdout
    assert "stream:     off (live changes need it: gql table stream on)" in shown.stdout


def test_stream_on_for_a_missing_table_fails_with_a_message(env: dict[str, str]) -> None:
    done = run_gql("table", "stream", "on", env=env)

    assert done.returncode == 1
    assert "does not exist" in done.stderr


def test_stream_without_a_database_fails_like_the_other_table_commands() -> None:
    done = run_gql("table", "stream", "on", env=bare_env())

    assert done.returncode == 1
    assert "AWS_ENDPOINT_URL_DYNAMODB" in done.stderr


def test_stream_needs_on_or_off(dynamodb_local_url: str) -> None:
    done = run_gql("table", "stream", "sideways", env=local_env(dynamodb_local_url, "x-y-z"))

    assert done.returncode == 2
    assert "invalid choice" in done.stderr
