"""gql.formats.export: readings -> json, ndjson and csv, exactly, and what `gql load` reads back."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from gql.formats.datafile import parse_readings
from gql.formats.export import reading_json, render
from gql.models import Reading, ReadingInfo

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
    version=3,
)
# Written outside this API: no version, two temperatures only, numbers a float would round.
SPARSE = Reading(
    'dev "quoted", é',
    -2,
    ReadingInfo("x,1", Decimal("0.1000000000000000055511151231257827"), None, Decimal("1E+2")),
)


def text(fmt: str, readings: list[Reading]) -> str:
    return "".join(render(fmt, readings))


def test_a_reading_is_one_json_object_with_exact_numbers() -> None:
    assert reading_json(FULL) == (
        '{"device_id": "10001", "datacount": 1, "info": {"info_timestamp": "1612519200", '
        '"temperature1": 37.2, "temperature2": 21.31, "temperature3": 25.6, '
        '"temperature4": 22.96, "temperature5": 24.69}, "version": 3}'
    )
    assert reading_json(SPARSE) == (
        '{"device_id": "dev \\"quoted\\", \\u00e9", "datacount": -2, "info": '
        '{"info_timestamp": "x,1", "temperature1": 0.1000000000000000055511151231257827, '
        '"temperature3": 1E+2}}'
    )


def test_json_is_an_array_with_one_reading_a_line() -> None:
    assert text("json", [FULL, SPARSE]) == (
        "[\n  " + reading_json(FULL) + ",\n  " + reading_json(SPARSE) + "\n]\n"
    )


def test_json_of_no_readings_is_an_empty_array() -> None:
    assert text("json", []) == "[]\n"
    assert text("ndjson", []) == ""
    assert text("csv", []) == (
        "device_id,datacount,info_timestamp,temperature1,temperature2,temperature3,"
        "temperature4,temperature5,version\n"
    )


def test_ndjson_is_one_reading_a_line() -> None:
    assert text("ndjson", [FULL, SPARSE]) == reading_json(FULL) + "\n" + reading_json(SPARSE) + "\n"


def test_csv_has_the_columns_and_empty_cells_for_missing_values() -> None:
    assert text("csv", [FULL, SPARSE]).splitlines() == [
        "device_id,datacount,info_timestamp,temperature1,temperature2,temperature3,"
        "temperature4,temperature5,version",
        "10001,1,1612519200,37.2,21.31,25.6,22.96,24.69,3",
        '"dev ""quoted"", é",-2,"x,1",0.1000000000000000055511151231257827,,1E+2,,,',
    ]


def test_csv_text_that_a_spreadsheet_would_run_as_a_formula_is_quoted() -> None:
    hostile = Reading("=HYPERLINK(1)", 1, ReadingInfo("@SUM(1)"))
    assert text("csv", [hostile]).splitlines()[1] == "'=HYPERLINK(1),1,'@SUM(1),,,,,,"


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_json_and_ndjson_load_back_to_the_same_readings(fmt: str) -> None:
    exported = text(fmt, [FULL, SPARSE])
    as_array = exported if fmt == "json" else "[" + ",".join(exported.splitlines()) + "]"

    loaded = parse_readings(as_array)

    # The loader gives a reading without a version version 1, as `gql load` always has.
    assert loaded == [FULL, Reading(SPARSE.device_id, -2, SPARSE.info, version=1)]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        render("xml", [])


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_render_reads_one_reading_at_a_time(fmt: str) -> None:
    # An endless source: rendering that held every reading would never return a chunk.
    endless = (Reading("d", n, ReadingInfo("1")) for n in itertools.count())

    first = list(itertools.islice(render(fmt, endless), 3))

    assert len(first) == 3
    assert next(endless).datacount <= 4
