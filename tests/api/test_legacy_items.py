"""Items written outside this API, as the tutorial's own scripts write them.

The tutorial's create_item.py puts, through boto3's resource API, temperatures given as Python
strings ("23.74"), which DynamoDB stores as strings, and no `version`. They are written here
with the low-level client in exactly that shape.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

# The values of create_item.py: put_device("10001", 3, "1612522800", "23.74", "32.56", ...).
TUTORIAL_TEMPERATURES = ["23.74", "32.56", "12.43", "44.74", "12.74"]

READING = """query ($d: ID!, $c: Int! = 3) { reading(deviceId: $d, datacount: $c) {
  deviceId datacount version
  info { infoTimestamp temperature1 temperature2 temperature3 temperature4 temperature5 }
} }"""
UPDATE = """mutation ($d: ID!, $info: ReadingInfoPatch!, $v: Int) {
  updateReading(deviceId: $d, datacount: 3, info: $info, expectedVersion: $v) {
    __typename
    ... on Reading { version info { temperature1 temperature2 } }
    ... on ConditionFailed { current { version info { temperature1 } } }
  }
}"""
DELETE = """mutation ($d: ID!, $v: Int,
                      $condition: ReadingCondition! = {infoTimestamp: {exists: true}}) {
  deleteReadingIf(deviceId: $d, datacount: 3, condition: $condition, expectedVersion: $v) {
    __typename ... on Reading { version info { temperature1 } }
  }
}"""
PUT = """mutation ($d: ID!, $ifNotExists: Boolean! = false) {
  putReading(reading: {deviceId: $d, datacount: 3,
                       info: {infoTimestamp: "1612522800", temperature1: 25.5}},
             ifNotExists: $ifNotExists) {
    __typename
    ... on Reading { version info { temperature1 temperature2 } }
    ... on ConditionFailed { current { version info { temperature1 temperature2 } } }
  }
}"""


def put_as_create_item(api: Api, device: str, datacount: int = 3, **info: Any) -> None:
    """The item create_item.py writes: temperatures as strings, no version."""
    attributes = {
        "info_timestamp": {"S": "1612522800"},
        **{
            f"temperature{n}": {"S": value}
            for n, value in enumerate(TUTORIAL_TEMPERATURES, start=1)
        },
        **info,
    }
    api.client.put_item(
        TableName=api.table,
        Item={
            "device_id": {"S": device},
            "datacount": {"N": str(datacount)},
            "info": {"M": attributes},
        },
    )


def stored_info(api: Api, device: str) -> dict[str, Any]:
    item = api.client.get_item(
        TableName=api.table,
        Key={"device_id": {"S": device}, "datacount": {"N": "3"}},
        ConsistentRead=True,
    )["Item"]
    return dict(item["info"]["M"])


def test_temperatures_stored_as_strings_read_as_numbers(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    data = api.data(READING, {"d": device})

    assert data["reading"] == {
        "deviceId": device,
        "datacount": 3,
        "version": None,
        "info": {
            "infoTimestamp": "1612522800",
            "temperature1": 23.74,
            "temperature2": 32.56,
            "temperature3": 12.43,
            "temperature4": 44.74,
            "temperature5": 12.74,
        },
    }


def test_a_legacy_item_is_paged_like_any_other(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    data = api.data(
        """query ($d: ID!) { readingsByDevice(deviceId: $d) {
             edges { node { version info { temperature1 } } } } }""",
        {"d": device},
    )

    assert data["readingsByDevice"]["edges"] == [
        {"node": {"version": None, "info": {"temperature1": 23.74}}}
    ]


def test_a_legacy_item_is_a_device_latest_reading(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    data = api.data(
        "query ($d: ID!) { device(deviceId: $d) { latestReading { info { temperature5 } } } }",
        {"d": device},
    )

    assert data["device"]["latestReading"] == {"info": {"temperature5": 12.74}}


def test_an_item_with_numbers_and_no_version_has_a_null_version(api: Api, device: str) -> None:
    # As the tutorial's load_data.py writes data.json: numbers (Decimal), no version.
    put_as_create_item(api, device, temperature1={"N": "37.2"})

    data = api.data(READING, {"d": device})

    assert data["reading"]["version"] is None
    assert data["reading"]["info"]["temperature1"] == 37.2


def test_an_info_timestamp_stored_as_a_number_reads_as_its_digits(api: Api, device: str) -> None:
    put_as_create_item(api, device, info_timestamp={"N": "1612522800"})

    data = api.data(
        "query ($d: ID!) { reading(deviceId: $d, datacount: 3) { info { infoTimestamp } } }",
        {"d": device},
    )

    assert data["reading"]["info"] == {"infoTimestamp": "1612522800"}


def test_a_temperature_string_that_is_not_a_number_reads_as_null(api: Api, device: str) -> None:
    put_as_create_item(api, device, temperature2={"S": "n/a"})

    data = api.data(READING, {"d": device})

    assert data["reading"]["info"]["temperature2"] is None
    assert data["reading"]["info"]["temperature1"] == 23.74


def test_a_numeric_filter_does_not_match_a_temperature_stored_as_a_string(
    api: Api, device: str
) -> None:
    # Documented: DynamoDB compares numbers with numbers only.
    if api.backend == "moto":
        pytest.skip("moto raises TypeError comparing a string attribute with a number")
    put_as_create_item(api, device)

    data = api.data(
        """query ($d: ID!) { readingsByDevice(deviceId: $d,
             filter: {temperature1: {gt: 0}}) { edges { cursor } } }""",
        {"d": device},
    )

    assert data["readingsByDevice"]["edges"] == []


def test_update_of_a_legacy_item_gives_it_version_1(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    result = api.data(UPDATE, {"d": device, "info": {"temperature1": 30.5}})["updateReading"]

    assert result == {
        "__typename": "Reading",
        "version": 1,
        "info": {"temperature1": 30.5, "temperature2": 32.56},
    }


def test_update_of_a_legacy_item_stores_the_fields_it_sets_as_numbers(
    api: Api, device: str
) -> None:
    put_as_create_item(api, device)

    api.data(UPDATE, {"d": device, "info": {"temperature1": 30.5}})

    info = stored_info(api, device)
    assert info["temperature1"] == {"N": "30.5"}
    assert info["temperature2"] == {"S": "32.56"}


def test_update_of_a_legacy_item_expecting_version_0_writes(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    result = api.data(UPDATE, {"d": device, "info": {"temperature1": 30.5}, "v": 0})

    assert result["updateReading"]["version"] == 1


def test_update_of_a_legacy_item_expecting_version_1_is_condition_failed(
    api: Api, device: str
) -> None:
    put_as_create_item(api, device)

    result = api.data(UPDATE, {"d": device, "info": {"temperature1": 30.5}, "v": 1})

    assert result["updateReading"] == {
        "__typename": "ConditionFailed",
        "current": {"version": None, "info": {"temperature1": 23.74}},
    }


def test_put_over_a_legacy_item_gives_it_version_1_and_numbers(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    result = api.data(PUT, {"d": device})["putReading"]

    assert result == {
        "__typename": "Reading",
        "version": 1,
        "info": {"temperature1": 25.5, "temperature2": None},
    }
    assert stored_info(api, device)["temperature1"] == {"N": "25.5"}


def test_put_if_not_exists_over_a_legacy_item_is_condition_failed_with_it(
    api: Api, device: str
) -> None:
    put_as_create_item(api, device)

    result = api.data(PUT, {"d": device, "ifNotExists": True})["putReading"]

    assert result == {
        "__typename": "ConditionFailed",
        "current": {"version": None, "info": {"temperature1": 23.74, "temperature2": 32.56}},
    }


def test_delete_of_a_legacy_item_returns_it_with_numbers(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    result = api.data(DELETE, {"d": device})["deleteReadingIf"]

    assert result == {"__typename": "Reading", "version": None, "info": {"temperature1": 23.74}}
    assert api.data(READING, {"d": device}) == {"reading": None}


def test_delete_of_a_legacy_item_expecting_version_0_deletes_it(api: Api, device: str) -> None:
    put_as_create_item(api, device)

    result = api.data(DELETE, {"d": device, "v": 0})["deleteReadingIf"]

    assert result["__typename"] == "Reading"
