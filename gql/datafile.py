"""The load file: the tutorial's data.json format, validated whole before anything is written.

A JSON array of objects `{device_id, datacount, info: {info_timestamp, temperature1..5}}`.
Numbers are parsed as Decimal so that 37.2 stays 37.2. Temperatures written as strings, as
the tutorial's create_item.py does, are accepted and stored as numbers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from gql.errors import InputError
from gql.models import TEMPERATURES, Reading, ReadingInfo
from gql.store.codec import to_number

_TOP_FIELDS = {"device_id", "datacount", "info", "version"}
_INFO_FIELDS = {"info_timestamp", *TEMPERATURES}


def parse_readings(text: str, *, source: str = "load file") -> list[Reading]:
    """Every reading of the file, or InputError naming the item index and the problem."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise InputError(f"{source}: {exc}") from None
    if not isinstance(data, list):
        raise InputError(f"{source}: expected a JSON array of readings, got {_kind(data)}")
    return [_reading(item, f"{source}: item {index}") for index, item in enumerate(data)]


def _reading(item: Any, where: str) -> Reading:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected an object, got {_kind(item)}")
    unknown = set(item) - _TOP_FIELDS
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in ("device_id", "datacount", "info"):
        if name not in item:
            raise InputError(f"{where}: missing {name!r}")
    device_id = item["device_id"]
    if not isinstance(device_id, str) or not device_id:
        raise InputError(f"{where}: device_id must be a non-empty string, got {device_id!r}")
    datacount = _whole(item["datacount"], f"{where}: datacount")
    version = _whole(item["version"], f"{where}: version") if "version" in item else 1
    return Reading(device_id, datacount, _info(item["info"], f"{where}: info"), version)


def _info(info: Any, where: str) -> ReadingInfo:
    if not isinstance(info, dict):
        raise InputError(f"{where}: expected an object, got {_kind(info)}")
    unknown = set(info) - _INFO_FIELDS
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    timestamp = info.get("info_timestamp")
    if not isinstance(timestamp, str) or not timestamp:
        raise InputError(f"{where}: info_timestamp must be a non-empty string, got {timestamp!r}")
    temperatures = {
        name: to_number(info[name], f"{where}.{name}")
        for name in TEMPERATURES
        if info.get(name) is not None
    }
    return ReadingInfo(info_timestamp=timestamp, **temperatures)


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InputError(f"{where}: expected a whole number, got {value!r}")
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise InputError(f"{where}: expected a whole number, got {value}")
    number = int(value)
    if not -(2**31) <= number < 2**31:
        raise InputError(f"{where}: {number} does not fit in a 32-bit integer")
    return number


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number DynamoDB can store")


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
    return kinds.get(type(value), repr(value))
