"""Readings -> the text of an export file, chunk by chunk. Pure.

json and ndjson write what `gql load` reads: the tutorial's data.json objects plus `version`
(left out for a reading that has none). Numbers are written from their Decimal as they are,
never through a float, so 23.74 stays 23.74 and a load gives back the same items. csv is
for spreadsheets: one row per reading, empty cells for missing values.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from gql.models import TEMPERATURES, Reading

FORMATS = ("json", "ndjson", "csv")
CSV_COLUMNS = ("device_id", "datacount", "info_timestamp", *TEMPERATURES, "version")
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def reading_json(reading: Reading) -> str:
    """One reading as a JSON object on one line, keys in the tutorial's order."""
    info = [f'"info_timestamp": {json.dumps(reading.info.info_timestamp)}']
    for name in TEMPERATURES:
        value = getattr(reading.info, name)
        if value is not None:
            info.append(f'"{name}": {_number(value)}')
    parts = [
        f'"device_id": {json.dumps(reading.device_id)}',
        f'"datacount": {reading.datacount}',
        '"info": {' + ", ".join(info) + "}",
    ]
    if reading.version is not None:
        parts.append(f'"version": {reading.version}')
    return "{" + ", ".join(parts) + "}"


def render(fmt: str, readings: Iterable[Reading]) -> Iterator[str]:
    """The file as chunks to write one after another; nothing is held but one reading."""
    if fmt == "json":
        return _json(readings)
    if fmt == "ndjson":
        return (reading_json(r) + "\n" for r in readings)
    if fmt == "csv":
        return _csv(readings)
    raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")


def _json(readings: Iterable[Reading]) -> Iterator[str]:
    separator = "[\n  "
    for reading in readings:
        yield separator + reading_json(reading)
        separator = ",\n  "
    yield "[]\n" if separator.startswith("[") else "\n]\n"


def _csv(readings: Iterable[Reading]) -> Iterator[str]:
    yield _row(CSV_COLUMNS)
    for r in readings:
        temperatures = [_number_or_empty(getattr(r.info, name)) for name in TEMPERATURES]
        version = "" if r.version is None else str(r.version)
        yield _row(
            [
                _text_cell(r.device_id),
                str(r.datacount),
                _text_cell(r.info.info_timestamp),
                *temperatures,
                version,
            ]
        )


def _row(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _text_cell(text: str) -> str:
    # Quoted like this, a spreadsheet shows the text instead of running it (CSV injection).
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _number(value: Decimal) -> str:
    # str() of a Decimal is valid JSON for every finite value ("23.74", "1E+2", "-0.5").
    return str(value)


def _number_or_empty(value: Decimal | None) -> str:
    return "" if value is None else _number(value)
