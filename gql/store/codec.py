"""Readings <-> DynamoDB items in the low-level attribute-value format. Pure.

Numbers travel as `Decimal(str(x))` so that 23.74 stays 23.74 (a float would become
23.739999999999998436805981327779591083526611328125). DynamoDB keeps 38 significant digits
and exponents from -130 to +125; anything beyond, and NaN or Infinity, is refused here
instead of by DynamoDB with a less helpful message.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from gql.errors import InputError
from gql.models import TEMPERATURES, Reading, ReadingInfo, ReadingKey
from gql.store.timeindex import ATTRIBUTE, index_attribute

Item = dict[str, Any]

_MAX_DIGITS = 38


def to_number(value: object, where: str) -> Decimal:
    """A DynamoDB-safe Decimal, or InputError naming `where`."""
    if isinstance(value, bool):
        raise InputError(f"{where}: expected a number, got a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise InputError(f"{where}: {value!r} is not a number") from None
    else:
        raise InputError(f"{where}: expected a number, got {type(value).__name__}")
    if not number.is_finite():
        raise InputError(f"{where}: {value} is not a finite number (NaN and Infinity are refused)")
    if number.is_zero():
        return Decimal(0)
    # normalize() rounds to the context's precision (28 digits by default): give it enough
    # precision to only strip trailing zeros, so 39 digits are counted as 39.
    digits = number.normalize(Context(prec=len(number.as_tuple().digits))).as_tuple()
    exponent = int(digits.exponent)
    if len(digits.digits) > _MAX_DIGITS:
        raise InputError(
            f"{where}: {value} has {len(digits.digits)} significant digits; "
            f"DynamoDB keeps at most {_MAX_DIGITS}"
        )
    magnitude = len(digits.digits) + exponent - 1
    if magnitude > 125 or magnitude < -130:
        raise InputError(f"{where}: {value} is outside DynamoDB's range of 1E-130 to 1E+126")
    return number


def key_to_item(key: ReadingKey) -> Item:
    return {"device_id": {"S": key.device_id}, "datacount": {"N": str(key.datacount)}}


def key_from_item(item: Mapping[str, Any]) -> ReadingKey:
    return ReadingKey(item["device_id"]["S"], int(Decimal(item["datacount"]["N"])))


def info_to_item(info: ReadingInfo) -> Item:
    attributes: Item = {"info_timestamp": {"S": info.info_timestamp}}
    for name in TEMPERATURES:
        value = getattr(info, name)
        if value is not None:
            attributes[name] = {"N": str(value)}
    return {"M": attributes}


def to_item(reading: Reading) -> Item:
    item = key_to_item(reading.key)
    item["info"] = info_to_item(reading.info)
    item[ATTRIBUTE] = index_attribute(reading.info.info_timestamp)
    if reading.version is not None:
        item["version"] = {"N": str(reading.version)}
    return item


def from_item(item: Mapping[str, Any]) -> Reading:
    """A reading from an item, tolerant of what the tutorial's own scripts write."""
    key = key_from_item(item)
    info = item.get("info", {}).get("M", {})
    version = item.get("version", {}).get("N")
    return Reading(
        device_id=key.device_id,
        datacount=key.datacount,
        info=ReadingInfo(
            info_timestamp=_timestamp(info.get("info_timestamp")),
            **{name: _legacy_number(info.get(name)) for name in TEMPERATURES},
        ),
        version=int(Decimal(version)) if version is not None else None,
    )


def value_to_attribute(value: str | Decimal | int) -> dict[str, str]:
    if isinstance(value, str):
        return {"S": value}
    return {"N": str(value)}


def _timestamp(attribute: Mapping[str, Any] | None) -> str:
    # The tutorial stores epoch seconds as a string; a number written by other tools reads the same.
    if not attribute:
        return ""
    if "S" in attribute:
        return str(attribute["S"])
    if "N" in attribute:
        return str(attribute["N"])
    return ""


def _legacy_number(attribute: Mapping[str, Any] | None) -> Decimal | None:
    # create_item.py of the tutorial writes temperatures as strings ("23.74"): read them as numbers.
    if not attribute:
        return None
    raw = attribute.get("N", attribute.get("S"))
    if raw is None:
        return None
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
