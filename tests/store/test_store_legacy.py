"""Items the tutorial's own scripts wrote: string temperatures and no version."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from gql.errors import ConditionFailedError
from gql.models import Compare, InfoPatch, Reading, ReadingInfo, ReadingKey
from gql.store.readings import ReadingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY = ReadingKey("10001", 3)
LEGACY_INFO = ReadingInfo(
    "1612522800",
    Decimal("23.74"),
    Decimal("32.56"),
    Decimal("12.43"),
    Decimal("44.74"),
    Decimal("12.74"),
)


@pytest.fixture
def legacy(client: DynamoDBClient, table: str, store: ReadingStore) -> ReadingStore:
    """The table after the tutorial's create_item.py: temperatures as strings, no version."""
    temperatures = ["23.74", "32.56", "12.43", "44.74", "12.74"]
    info = {f"temperature{n}": {"S": t} for n, t in enumerate(temperatures, start=1)}
    client.put_item(
        TableName=table,
        Item={
            "device_id": {"S": "10001"},
            "datacount": {"N": "3"},
            "info": {"M": {"info_timestamp": {"S": "1612522800"}, **info}},
        },
    )
    return store


def test_legacy_item_reads_as_numbers_without_a_version(legacy: ReadingStore) -> None:
    assert legacy.get(KEY, consistent=True) == Reading("10001", 3, LEGACY_INFO, version=None)


def test_legacy_item_is_found_by_query(legacy: ReadingStore) -> None:
    assert legacy.query("10001").readings == [Reading("10001", 3, LEGACY_INFO, version=None)]


def test_update_of_a_legacy_item_gives_it_version_1(legacy: ReadingStore) -> None:
    updated = legacy.update(KEY, InfoPatch(set={"temperature1": Decimal("33.74")}))

    assert updated == Reading(
        "10001",
        3,
        ReadingInfo(
            "1612522800",
            Decimal("33.74"),
            Decimal("32.56"),
            Decimal("12.43"),
            Decimal("44.74"),
            Decimal("12.74"),
        ),
        version=1,
    )


def test_update_of_a_legacy_item_stores_the_patched_field_as_a_number(
    client: DynamoDBClient, table: str, legacy: ReadingStore
) -> None:
    legacy.update(KEY, InfoPatch(set={"temperature1": Decimal("33.74")}))

    item = client.get_item(
        TableName=table,
        Key={"device_id": {"S": "10001"}, "datacount": {"N": "3"}},
        ConsistentRead=True,
    )["Item"]
    assert item["info"]["M"]["temperature1"] == {"N": "33.74"}


def test_put_over_a_legacy_item_rewrites_its_temperatures_as_numbers(
    client: DynamoDBClient, table: str, legacy: ReadingStore
) -> None:
    legacy.put(KEY, LEGACY_INFO)

    item = client.get_item(
        TableName=table,
        Key={"device_id": {"S": "10001"}, "datacount": {"N": "3"}},
        ConsistentRead=True,
    )["Item"]
    assert (item["info"]["M"]["temperature2"], item["version"]) == ({"N": "32.56"}, {"N": "1"})


MOTO_TYPE_ERROR = (
    "moto raises a Python TypeError comparing a number with a string, where DynamoDB "
    "evaluates the comparison as false; every write through this API stores numbers, so the "
    "embedded backend never holds string temperatures"
)


def skip_on_moto(request: pytest.FixtureRequest) -> None:
    if request.node.callspec.params["client"] == "moto":
        pytest.skip(MOTO_TYPE_ERROR)


def test_numeric_filter_does_not_match_a_temperature_stored_as_a_string(
    request: pytest.FixtureRequest, legacy: ReadingStore
) -> None:
    skip_on_moto(request)
    # DynamoDB compares a number only with a number; the README says so.
    page = legacy.query("10001", filter=Compare("temperature1", "gt", Decimal(0)))

    assert page.readings == []


def test_numeric_bound_on_the_string_timestamp_never_holds(
    request: pytest.FixtureRequest, legacy: ReadingStore
) -> None:
    skip_on_moto(request)
    # The tutorial's delete_item.py passes the bound as a number: the condition cannot hold.
    condition = Compare("info_timestamp", "lte", Decimal("1714910791415"))

    with pytest.raises(ConditionFailedError):
        legacy.delete_if(KEY, condition=condition)
