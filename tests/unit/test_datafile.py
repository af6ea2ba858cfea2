"""The load file: the tutorial's data.json, and every way a file can be wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gql.errors import InputError
from gql.formats.datafile import parse_readings
from gql.models import Reading, ReadingInfo

# The six readings of the tutorial's data.json, as it ships.
TUTORIAL_DATA = """\
[
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
]
"""


def reading(device_id: str, datacount: int, timestamp: str, *temperatures: str) -> Reading:
    info = ReadingInfo(timestamp, *(Decimal(t) for t in temperatures))
    return Reading(device_id, datacount, info, version=1)


def one(info: str = '{"info_timestamp": "1612519200"}', **fields: str) -> str:
    """A file of one reading; `fields` replace or add top-level JSON fields."""
    top = {"device_id": '"10001"', "datacount": "1", "info": info, **fields}
    body = ", ".join(f'"{name}": {value}' for name, value in top.items())
    return f"[{{{body}}}]"


def refusal(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_readings(text)
    return str(caught.value)


def test_tutorial_data_parses_to_its_six_readings_exactly() -> None:
    assert parse_readings(TUTORIAL_DATA) == [
        reading("10001", 1, "1612519200", "37.2", "21.31", "25.6", "22.96", "24.69"),
        reading("10001", 2, "1612521000", "24.34", "24.59", "19.2", "29.11", "23.18"),
        reading("10002", 1, "1612519200", "14.34", "17.59", "11.2", "15.95", "16.17"),
        reading("10002", 2, "1612521000", "13.04", "15.01", "18.91", "16.45", "16.21"),
        reading("10003", 1, "1612519200", "34.23", "36.21", "31.24", "32.02", "29.54"),
        reading("10003", 2, "1612521000", "34.55", "33.13", "32.62", "39.32", "38.87"),
    ]


def test_decimal_numbers_keep_the_digits_written_in_the_file() -> None:
    first = parse_readings(TUTORIAL_DATA)[0]

    assert str(first.info.temperature1) == "37.2"


def test_readings_without_a_version_are_loaded_as_version_1() -> None:
    assert {r.version for r in parse_readings(TUTORIAL_DATA)} == {1}


def test_a_version_in_the_file_is_kept() -> None:
    assert parse_readings(one(version="4"))[0].version == 4


def test_empty_array_is_no_readings() -> None:
    assert parse_readings("[]") == []


def test_string_temperatures_are_read_as_numbers() -> None:
    info = '{"info_timestamp": "1612522800", "temperature1": "23.74", "temperature2": " 32.56"}'

    assert parse_readings(one(info))[0].info == ReadingInfo(
        "1612522800", Decimal("23.74"), Decimal("32.56")
    )


def test_whole_number_temperatures_are_read_as_numbers() -> None:
    info = '{"info_timestamp": "1", "temperature3": -40}'

    assert parse_readings(one(info))[0].info.temperature3 == Decimal(-40)


def test_null_and_missing_temperatures_are_absent() -> None:
    info = '{"info_timestamp": "1", "temperature1": null, "temperature2": 5}'

    assert parse_readings(one(info))[0].info == ReadingInfo("1", None, Decimal(5))


def test_whole_datacount_written_with_a_fraction_is_accepted() -> None:
    assert parse_readings(one(datacount="3.0"))[0].datacount == 3


def test_text_that_is_not_json_is_refused_with_its_line_and_column() -> None:
    text = '[\n  {"device_id": "10001",\n   "datacount": 1,,\n'

    assert refusal(text).startswith("load file: not valid JSON at line 3 column 19: ")


def test_truncated_file_is_refused_as_not_json() -> None:
    assert refusal(TUTORIAL_DATA[:200]).startswith("load file: not valid JSON at line ")


@pytest.mark.parametrize(
    ("text", "kind"),
    [('{"device_id": "10001"}', "an object"), ('"readings"', "a string"), ("42", "42")],
)
def test_file_that_is_not_an_array_is_refused(text: str, kind: str) -> None:
    assert refusal(text) == f"load file: expected a JSON array of readings, got {kind}"


def test_array_element_that_is_not_an_object_is_refused_with_its_index() -> None:
    assert refusal('[[], "10001"]') == "load file: item 0: expected an object, got an array"


def test_item_without_device_id_is_refused_with_its_index() -> None:
    items = TUTORIAL_DATA.rstrip().removesuffix("]") + ', {"datacount": 3, "info": {}}]'

    assert refusal(items) == "load file: item 6: missing 'device_id'"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('[{"device_id": "10001", "info": {"info_timestamp": "1"}}]', "datacount"),
        ('[{"device_id": "10001", "datacount": 1}]', "info"),
    ],
)
def test_item_without_a_required_field_is_refused(text: str, name: str) -> None:
    assert refusal(text) == f"load file: item 0: missing {name!r}"


@pytest.mark.parametrize("device_id", ['""', "10001", "null"])
def test_device_id_must_be_a_non_empty_string(device_id: str) -> None:
    assert refusal(one(device_id=device_id)).startswith(
        "load file: item 0: device_id must be a non-empty string, got "
    )


def test_nan_literal_is_refused() -> None:
    info = '{"info_timestamp": "1", "temperature1": NaN}'

    assert refusal(one(info)) == "load file: NaN is not a number DynamoDB can store"


def test_infinity_literal_is_refused() -> None:
    info = '{"info_timestamp": "1", "temperature1": -Infinity}'

    assert refusal(one(info)) == "load file: -Infinity is not a number DynamoDB can store"


def test_temperature_that_is_not_a_number_is_refused_with_its_path() -> None:
    info = '{"info_timestamp": "1", "temperature4": "abc"}'

    assert refusal(one(info)) == "load file: item 0: info.temperature4: 'abc' is not a number"


def test_temperature_out_of_dynamodb_range_is_refused() -> None:
    info = '{"info_timestamp": "1", "temperature1": 1e400}'

    assert refusal(one(info)) == (
        "load file: item 0: info.temperature1: 1E+400 is outside DynamoDB's range of "
        "1E-130 to 1E+126"
    )


def test_temperature_that_is_a_boolean_is_refused() -> None:
    info = '{"info_timestamp": "1", "temperature1": true}'

    assert refusal(one(info)) == (
        "load file: item 0: info.temperature1: expected a number, got a boolean"
    )


@pytest.mark.parametrize(
    ("datacount", "shown"), [("1.5", "1.5"), ('"1"', "'1'"), ("true", "True"), ("null", "None")]
)
def test_datacount_must_be_a_whole_number(datacount: str, shown: str) -> None:
    assert refusal(one(datacount=datacount)) == (
        f"load file: item 0: datacount: expected a whole number, got {shown}"
    )


def test_datacount_beyond_32_bits_is_refused() -> None:
    assert refusal(one(datacount=str(2**31))) == (
        "load file: item 0: datacount: 2147483648 does not fit in a 32-bit integer"
    )


def test_version_must_be_a_whole_number() -> None:
    assert refusal(one(version="1.5")) == (
        "load file: item 0: version: expected a whole number, got 1.5"
    )


def test_unknown_top_level_fields_are_refused_by_name() -> None:
    assert refusal(one(colour='"red"', size="1")) == (
        "load file: item 0: unknown field(s) colour, size"
    )


def test_unknown_info_fields_are_refused_by_name() -> None:
    info = '{"info_timestamp": "1", "humidity": 40}'

    assert refusal(one(info)) == "load file: item 0: info: unknown field(s) humidity"


def test_info_that_is_not_an_object_is_refused() -> None:
    assert refusal(one('"hot"')) == "load file: item 0: info: expected an object, got a string"


@pytest.mark.parametrize("timestamp", ['""', "1612519200", "null"])
def test_info_timestamp_must_be_a_non_empty_string(timestamp: str) -> None:
    info = f'{{"info_timestamp": {timestamp}}}'

    assert refusal(one(info)).startswith(
        "load file: item 0: info: info_timestamp must be a non-empty string, got "
    )


def test_messages_name_the_source_they_were_read_from() -> None:
    with pytest.raises(InputError, match=r"^data\.json: expected a JSON array"):
        parse_readings("{}", source="data.json")
