"""A change as the text of a relay entry and back: exact, legacy numbers included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gql.models import Change, ChangeKind, Reading, ReadingInfo, ReadingKey
from gql.relay import change_from_text, change_to_text


def reading(version: int | None = 3, **temperatures: Decimal) -> Reading:
    return Reading("dev 1", 42, ReadingInfo("1612519200", **temperatures), version)


@pytest.mark.parametrize(
    "change",
    [
        Change(
            ChangeKind.INSERT,
            ReadingKey("dev 1", 42),
            reading(None, temperature1=Decimal("23.74")),
            None,
            1_612_519_260.0,
            "000000000000000000041",
        ),
        Change(
            ChangeKind.MODIFY,
            ReadingKey("dev 1", 42),
            reading(4, temperature2=Decimal("-0.000000000000000000000000000000000000001")),
            reading(3, temperature1=Decimal("99999999999999999999999999999999999999")),
            1_612_519_260.5,
            "1200000000000000000000000000000001",
        ),
        Change(ChangeKind.REMOVE, ReadingKey("dev 1", 42), None, reading(), 0.0, ""),
    ],
    ids=["insert-legacy-string-number", "modify-extremes", "remove-without-sequence"],
)
def test_a_change_comes_back_exactly_as_it_went(change: Change) -> None:
    assert change_from_text(change_to_text(change)) == change


def test_an_entry_that_is_no_change_is_refused() -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        change_from_text(b'{"k": "INSERT", "d": 1, "n": 2}')
