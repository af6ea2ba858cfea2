"""The Devices table itself: create, describe, delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from gql.errors import TableNotFoundError
from gql.store.client import DynamoDB
from gql.store.tableinfo import TableInfo
from gql.store.tables import Tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def tables_for(client: DynamoDBClient, name: str) -> Tables:
    return Tables(DynamoDB(client, name), sleep=lambda _: None)


@pytest.fixture
def fresh(client: DynamoDBClient) -> Iterator[Tables]:
    """Tables for a name no table has yet; whatever the test creates is deleted afterwards."""
    tables = tables_for(client, f"Fresh-{uuid.uuid4().hex[:8]}")
    yield tables
    tables.delete()


def test_describe_shows_an_active_table_its_key_schema_its_stream_and_time_index(
    client: DynamoDBClient, stream_table: str
) -> None:
    arn = client.describe_table(TableName=stream_table)["Table"]["LatestStreamArn"]

    assert tables_for(client, stream_table).describe() == TableInfo(
        name=stream_table,
        status="ACTIVE",
        item_count=0,
        key_schema="device_id (HASH), datacount (RANGE)",
        billing="on-demand",
        stream_view="NEW_AND_OLD_IMAGES",
        stream_arn=arn,
        index="ACTIVE",
    )


def test_create_of_a_new_table_reports_it_created(fresh: Tables) -> None:
    created, info = fresh.create(wait=True)

    assert (created, info.status) == (True, "ACTIVE")


def test_create_without_a_stream_makes_a_table_without_one(fresh: Tables) -> None:
    _, info = fresh.create(wait=True, stream=False)

    assert (info.stream_view, info.stream_arn) == (None, None)
    assert "stream:     off (live changes need it: gql table stream on)" in info.lines()


def test_create_of_an_existing_table_changes_nothing(fresh: Tables) -> None:
    _, first = fresh.create(wait=True)

    assert fresh.create(wait=True) == (False, first)


def test_create_with_provisioned_billing_is_described_as_provisioned(fresh: Tables) -> None:
    _, info = fresh.create(billing="provisioned", read_capacity=5, write_capacity=5, wait=True)

    assert info.billing == "provisioned"


def test_delete_of_an_existing_table_returns_true(fresh: Tables) -> None:
    fresh.create(wait=True)

    assert fresh.delete(wait=True) is True


def test_deleted_table_is_gone(fresh: Tables) -> None:
    fresh.create(wait=True)
    fresh.delete(wait=True)

    assert fresh.describe_or_none() is None


def test_delete_of_a_missing_table_returns_false(fresh: Tables) -> None:
    assert fresh.delete() is False


def test_describe_of_a_missing_table_raises_table_not_found(fresh: Tables) -> None:
    with pytest.raises(TableNotFoundError) as caught:
        fresh.describe()

    assert str(caught.value) == f"table {fresh.db.table!r} does not exist"


def test_describe_or_none_of_a_missing_table_is_none(fresh: Tables) -> None:
    assert fresh.describe_or_none() is None


def test_description_lines_name_the_table_and_key_schema(
    client: DynamoDBClient, table: str
) -> None:
    lines = tables_for(client, table).describe().lines()

    assert (lines[0], lines[1], lines[3], lines[4]) == (
        f"table:      {table}",
        "status:     ACTIVE",
        "key schema: device_id (HASH), datacount (RANGE)",
        "billing:    on-demand",
    )
