"""The tutorial's own steps, done through the store: load, create, read, update, delete,
query, scan, and finally delete the table."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from gql.errors import ConditionFailedError
from gql.formats.datafile import parse_readings
from gql.models import Compare, InfoPatch, Reading, ReadingInfo, ReadingKey
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.tables import Tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SAMPLE_DATA = """[
 {"device_id": "10001", "datacount": 1, "info": {"info_timestamp": "1612519200",
  "temperature1": 37.2, "temperature2": 21.31, "temperature3": 25.6,
  "temperature4": 22.96, "temperature5": 24.69}},
 {"device_id": "10001", "datacount": 2, "info": {"info_timestamp": "1612521000",
  "temperature1": 24.34, "temperature2": 24.59, "temperature3": 19.2,
  "temperature4": 29.11, "temperature5": 23.18}},
 {"device_id": "10002", "datacount": 1, "info": {"info_timestamp": "1612519200",
  "temperature1": 14.34, "temperature2": 17.59, "temperature3": 11.2,
  "temperature4": 15.95, "temperature5": 16.17}},
 {"device_id": "10002", "datacount": 2, "info": {"info_timestamp": "1612521000",
  "temperature1": 13.04, "temperature2": 15.01, "temperature3": 18.91,
  "temperature4": 16.45, "temperature5": 16.21}},
 {"device_id": "10003", "datacount": 1, "info": {"info_timestamp": "1612519200",
  "temperature1": 34.23, "temperature2": 36.21, "temperature3": 31.24,
  "temperature4": 32.02, "temperature5": 29.54}},
 {"device_id": "10003", "datacount": 2, "info": {"info_timestamp": "1612521000",
  "temperature1": 34.55, "temperature2": 33.13, "temperature3": 32.62,
  "temperature4": 39.32, "temperature5": 38.87}}
]"""
SAMPLE = parse_readings(SAMPLE_DATA)
# create_item.py: put_device("10001", 3, "1612522800", "23.74", "32.56", "12.43", ...)
CREATED_KEY = ReadingKey("10001", 3)
CREATED = Reading(
    "10001",
    3,
    ReadingInfo(
        "1612522800",
        Decimal("23.74"),
        Decimal("32.56"),
        Decimal("12.43"),
        Decimal("44.74"),
        Decimal("12.74"),
    ),
    version=1,
)


@pytest.fixture
def tutorial(store: ReadingStore) -> ReadingStore:
    """The table after load_data.py and create_item.py."""
    store.batch_put(SAMPLE)
    store.put(CREATED_KEY, CREATED.info)
    return store


def test_loading_the_sample_data_stores_its_six_readings(store: ReadingStore) -> None:
    store.batch_put(SAMPLE)

    assert store.batch_get(r.key for r in SAMPLE) == {r.key: r for r in SAMPLE}


def test_read_item_returns_the_created_reading(tutorial: ReadingStore) -> None:
    assert tutorial.get(CREATED_KEY) == CREATED


def test_update_item_rewrites_every_info_field(tutorial: ReadingStore) -> None:
    # update_item.py: update_device("10001", 3, "1612522800", "33.74", "23.74", "25.20", ...)
    patch = InfoPatch(
        set={
            "info_timestamp": "1612522800",
            "temperature1": Decimal("33.74"),
            "temperature2": Decimal("23.74"),
            "temperature3": Decimal("25.20"),
            "temperature4": Decimal("22.00"),
            "temperature5": Decimal("25.00"),
        }
    )

    assert tutorial.update(CREATED_KEY, patch) == Reading(
        "10001",
        3,
        ReadingInfo(
            "1612522800",
            Decimal("33.74"),
            Decimal("23.74"),
            Decimal("25.2"),
            Decimal("22"),
            Decimal("25"),
        ),
        version=2,
    )


def test_conditional_delete_fails_while_the_timestamp_is_later(tutorial: ReadingStore) -> None:
    with pytest.raises(ConditionFailedError) as caught:
        tutorial.delete_if(CREATED_KEY, condition=Compare("info_timestamp", "lte", "1612519200"))

    assert caught.value.current == CREATED


def test_failed_conditional_delete_keeps_the_reading(tutorial: ReadingStore) -> None:
    with pytest.raises(ConditionFailedError):
        tutorial.delete_if(CREATED_KEY, condition=Compare("info_timestamp", "lte", "1612519200"))

    assert tutorial.get(CREATED_KEY, consistent=True) == CREATED


def test_conditional_delete_that_holds_deletes_the_reading(tutorial: ReadingStore) -> None:
    condition = Compare("info_timestamp", "lte", "1714910791")

    assert tutorial.delete_if(CREATED_KEY, condition=condition) == CREATED
    assert tutorial.get(CREATED_KEY, consistent=True) is None


def test_query_returns_device_10001_in_datacount_order(tutorial: ReadingStore) -> None:
    assert tutorial.query("10001").readings == [SAMPLE[0], SAMPLE[1], CREATED]


def test_scan_returns_every_reading(tutorial: ReadingStore) -> None:
    page = tutorial.scan(first=100)

    assert (sorted(page.readings, key=lambda r: r.key), page.has_more) == (
        sorted([*SAMPLE, CREATED], key=lambda r: r.key),
        False,
    )


def test_deleting_the_table_leaves_nothing_to_describe(
    client: DynamoDBClient, table: str, tutorial: ReadingStore
) -> None:
    tables = Tables(DynamoDB(client, table), sleep=lambda _: None)

    assert tables.delete(wait=True) is True
    assert tables.describe_or_none() is None
