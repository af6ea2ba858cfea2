"""Readings <-> DynamoDB attribute values, and the numbers DynamoDB can keep."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gql.errors import InputError
from gql.models import Reading, ReadingInfo, ReadingKey
from gql.store.codec import (
    from_item,
    key_from_item,
    key_to_item,
    to_item,
    to_number,
    value_to_attribute,
)

FULL = Reading(
    "10001",
    1,
    ReadingInfo(
        "1612519200",
        Decimal("37.2"),
        Decimal("21.31"),
        Decimal("25.6"),
        Decimal("22.96"),
        Decimal("24.69"),
    ),
    version=1,
)
FULL_ITEM = {
    "device_id": {"S": "10001"},
    "datacount": {"N": "1"},
    "info": {
        "M": {
            "info_timestamp": {"S": "1612519200"},
            "temperature1": {"N": "37.2"},
            "temperature2": {"N": "21.31"},
            "temperature3": {"N": "25.6"},
            "temperature4": {"N": "22.96"},
            "temperature5": {"N": "24.69"},
        }
    },
    "version": {"N": "1"},
    # The time index's copy of info_timestamp (gql/store/timeindex.py).
    "recorded_at": {"N": "1612519200"},
}
# What the tutorial's create_item.py writes: temperatures as strings, no version.
LEGACY_ITEM = {
    "device_id": {"S": "10001"},
    "datacount": {"N": "3"},
    "info": {
        "M": {
            "info_timestamp": {"S": "1612522800"},
            "temperature1": {"S": "23.74"},
            "temperature2": {"S": "32.56"},
            "temperature3": {"S": "12.43"},
            "temperature4": {"S": "44.74"},
            "temperature5": {"S": "12.74"},
        }
    },
}


def refusal(value: object) -> str:
    with pytest.raises(InputError) as caught:
        to_number(value, "info.temperature1")
    return str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (23.74, "23.74"),
        (0.1, "0.1"),
        (-40.0, "-40.0"),
        (22, "22"),
        ("23.74", "23.74"),
        (" 12.43 ", "12.43"),
        (Decimal("37.2"), "37.2"),
        (
            Decimal("12345678901234567890123456789012345678"),
            "12345678901234567890123456789012345678",
        ),
        (
            "1.2345678901234567890123456789012345678E+10",
            "12345678901.234567890123456789012345678",
        ),
        (
            "9.9999999999999999999999999999999999999E+125",
            "9.9999999999999999999999999999999999999E+125",
        ),
        ("1E-130", "1E-130"),
        ("-1E-130", "-1E-130"),
    ],
    ids=[
        "float-23.74",
        "float-0.1",
        "float-minus-40.0",
        "int",
        "string",
        "string-with-spaces",
        "decimal",
        "38-digit-integer",
        "38-digits-with-exponent",
        "largest",
        "smallest-positive",
        "smallest-negative",
    ],
)
def test_to_number_keeps_the_exact_decimal_value(value: object, expected: str) -> None:
    number = to_number(value, "info.temperature1")

    assert (type(number), number) == (Decimal, Decimal(expected))


def test_to_number_keeps_the_written_digits_of_a_float() -> None:
    assert str(to_number(23.74, "t")) == "23.74"


@pytest.mark.parametrize("value", [Decimal("-0"), "0.000", 0.0, Decimal("0E-200")])
def test_to_number_turns_every_zero_into_plain_zero(value: object) -> None:
    assert str(to_number(value, "t")) == "0"


NOT_FINITE = "is not a finite number (NaN and Infinity are refused)"
OUT_OF_RANGE = "is outside DynamoDB's range of 1E-130 to 1E+126"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(float("nan"), f"nan {NOT_FINITE}", id="float-nan"),
        pytest.param("NaN", f"NaN {NOT_FINITE}", id="string-nan"),
        pytest.param("Infinity", f"Infinity {NOT_FINITE}", id="string-infinity"),
        pytest.param(float("inf"), f"inf {NOT_FINITE}", id="float-inf"),
        pytest.param(Decimal("-Infinity"), f"-Infinity {NOT_FINITE}", id="decimal-minus-inf"),
        pytest.param(Decimal("1e400"), f"1E+400 {OUT_OF_RANGE}", id="1e400"),
        pytest.param("1E+126", f"1E+126 {OUT_OF_RANGE}", id="just-too-large"),
        pytest.param("1E-131", f"1E-131 {OUT_OF_RANGE}", id="just-too-small"),
        pytest.param(
            Decimal("123456789012345678901234567890123456789"),
            "123456789012345678901234567890123456789 has 39 significant digits; "
            "DynamoDB keeps at most 38",
            id="39-digits",
        ),
        pytest.param(True, "expected a number, got a boolean", id="boolean"),
        pytest.param("warm", "'warm' is not a number", id="word"),
        pytest.param("", "'' is not a number", id="empty-string"),
        pytest.param(None, "expected a number, got NoneType", id="none"),
        pytest.param([1], "expected a number, got list", id="list"),
    ],
)
def test_to_number_refuses_what_dynamodb_cannot_store(value: object, message: str) -> None:
    assert refusal(value) == f"info.temperature1: {message}"


def test_to_number_counts_significant_digits_without_trailing_zeros() -> None:
    assert to_number("1." + "0" * 40, "t") == Decimal(1)


def test_key_to_item_is_the_tables_key_attributes() -> None:
    assert key_to_item(ReadingKey("10001", 3)) == {
        "device_id": {"S": "10001"},
        "datacount": {"N": "3"},
    }


def test_key_from_item_reads_the_key_attributes() -> None:
    assert key_from_item(FULL_ITEM) == ReadingKey("10001", 1)


def test_to_item_writes_every_field_with_its_type() -> None:
    assert to_item(FULL) == FULL_ITEM


def test_to_item_leaves_out_missing_temperatures_and_version() -> None:
    reading = Reading("10002", 7, ReadingInfo("1612521000", temperature3=Decimal("-40.0")))

    assert to_item(reading) == {
        "device_id": {"S": "10002"},
        "datacount": {"N": "7"},
        "info": {"M": {"info_timestamp": {"S": "1612521000"}, "temperature3": {"N": "-40.0"}}},
        "recorded_at": {"N": "1612521000"},
    }


def test_to_item_gives_a_timestamp_that_is_not_a_time_the_index_value_below_every_time() -> None:
    reading = Reading("10002", 7, ReadingInfo("soon"))

    assert to_item(reading)["recorded_at"] == {"N": "-1000000000000"}


def test_from_item_reads_what_to_item_writes() -> None:
    assert from_item(FULL_ITEM) == FULL


def test_from_item_reads_legacy_string_temperatures_as_numbers() -> None:
    assert from_item(LEGACY_ITEM) == Reading(
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
        version=None,
    )


def test_from_item_reads_a_numeric_timestamp_as_its_digits() -> None:
    item = {
        "device_id": {"S": "10001"},
        "datacount": {"N": "1"},
        "info": {"M": {"info_timestamp": {"N": "1612519200"}}},
    }

    assert from_item(item).info.info_timestamp == "1612519200"


@pytest.mark.parametrize("text", ["warm", "", "NaN", "Infinity", "-Infinity"])
def test_from_item_reads_a_legacy_temperature_that_is_no_number_as_none(text: str) -> None:
    item = {
        "device_id": {"S": "10001"},
        "datacount": {"N": "1"},
        "info": {"M": {"info_timestamp": {"S": "1"}, "temperature2": {"S": text}}},
    }

    assert from_item(item).info.temperature2 is None


def test_from_item_reads_a_temperature_of_another_type_as_none() -> None:
    item = {
        "device_id": {"S": "10001"},
        "datacount": {"N": "1"},
        "info": {"M": {"info_timestamp": {"S": "1"}, "temperature2": {"BOOL": True}}},
    }

    assert from_item(item).info.temperature2 is None


def test_from_item_without_info_has_an_empty_timestamp_and_no_temperatures() -> None:
    item = {"device_id": {"S": "10001"}, "datacount": {"N": "1"}, "version": {"N": "4"}}

    assert from_item(item) == Reading("10001", 1, ReadingInfo(""), version=4)


@pytest.mark.parametrize(
    ("value", "attribute"),
    [("1612519200", {"S": "1612519200"}), (Decimal("23.74"), {"N": "23.74"}), (3, {"N": "3"})],
)
def test_value_to_attribute_types_strings_and_numbers(
    value: str | Decimal | int, attribute: dict[str, str]
) -> None:
    assert value_to_attribute(value) == attribute
