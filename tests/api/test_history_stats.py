"""Device.stats over HTTP, on moto and DynamoDB Local, against figures worked out in the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import Api, also_serving, standalone_api
from tests.api.history_data import FIGURES, HISTORY_APIS, T0, Row, figures, in_window, iso, write

COUNT = 40
NUMERIC = [
    Row(
        "stats-a",
        n,
        str(T0 + 60 * n),
        {
            "temperature1": str(n * 37 % 101 / 4),
            "temperature3": str(-n),
            "temperature4": "0.1",  # 40 times 0.1 is 4 exactly, not 4.000000000000001
            **({"temperature2": f"{n / 10}"} if n % 3 == 0 else {}),
        },
    )
    for n in range(1, COUNT + 1)
]
LEGACY_TEMPERATURES = {
    "temperature1": "23.74",
    "temperature2": "32.56",
    "temperature3": "n/a",  # not a number: not counted
    "temperature4": " 44.74",
}
LEGACY = [
    *(
        Row("stats-legacy", n, str(T0 + n), {**LEGACY_TEMPERATURES, "temperature5": str(n)}, True)
        for n in range(1, 5)
    ),
    Row("stats-legacy", 5, "soon", {"temperature1": "99"}, True),
    Row("stats-legacy", 6, None, {"temperature1": "98"}, True),
]

DOCUMENT = f"""query ($d: ID!, $dc: DatacountCondition, $at: TimeRange, $f: ReadingCondition) {{
  device(deviceId: $d) {{ stats(datacount: $dc, recordedAt: $at, filter: $f) {{
    {FIGURES} complete
    first {{ datacount info {{ infoTimestamp temperature1 }} }} last {{ datacount }} }} }} }}"""


def seed(store: ReadingStore) -> None:
    write(store.db.client, store.table, [*NUMERIC, *LEGACY])


@pytest.fixture(scope="module", params=HISTORY_APIS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    backend, _, derived = str(request.param).partition("+")
    with standalone_api(backend, seed, derived=bool(derived)) as served:
        yield served


def stats(api: Api, device: str, **variables: Any) -> dict[str, Any]:
    data = api.data(DOCUMENT, {"d": device, **variables})
    result: dict[str, Any] = data["device"]["stats"]
    return result


def expected(rows: list[Row], *, complete: bool = True) -> dict[str, Any]:
    ordered = sorted(rows, key=lambda r: r.datacount)
    first = ordered[0] if ordered else None
    return {
        **figures(rows),
        "complete": complete,
        "first": first
        and {
            "datacount": first.datacount,
            "info": {
                "infoTimestamp": first.timestamp or "",
                "temperature1": float(first.temperatures["temperature1"]),
            },
        },
        "last": (ordered and {"datacount": ordered[-1].datacount}) or None,
    }


def test_stats_without_arguments_cover_every_reading(api: Api) -> None:
    assert stats(api, "stats-a") == expected(NUMERIC)


def test_stats_over_a_window_include_from_and_exclude_to(api: Api) -> None:
    window = {"from": iso(T0 + 60 * 10), "to": iso(T0 + 60 * 30)}

    result = stats(api, "stats-a", at=window)

    assert result == expected([r for r in NUMERIC if 10 <= r.datacount < 30])


def test_stats_combine_datacount_filter_and_window(api: Api) -> None:
    variables = {
        "dc": {"between": [5, 35]},
        "f": {"temperature1": {"gt": 10}},
        "at": {"from": iso(T0 + 60 * 8)},
    }

    result = stats(api, "stats-a", **variables)

    rows = [
        r
        for r in NUMERIC
        if 5 <= r.datacount <= 35 and float(r.temperatures["temperature1"]) > 10
        if in_window(r, T0 + 60 * 8, None)
    ]
    assert result == expected(rows)
    assert 0 < result["count"] < 31


def test_legacy_string_temperatures_count_as_numbers(api: Api) -> None:
    assert stats(api, "stats-legacy") == expected(LEGACY)


def test_a_window_leaves_out_readings_whose_timestamp_is_not_a_number(api: Api) -> None:
    only_from = stats(api, "stats-legacy", at={"from": iso(T0)})
    unbounded = stats(api, "stats-legacy", at={})

    numeric = [r for r in LEGACY if r.datacount <= 4]
    assert only_from == expected(numeric)
    assert unbounded == expected(numeric)


def test_an_empty_window_has_no_figures(api: Api) -> None:
    result = stats(api, "stats-a", at={"to": iso(T0)})

    empty = {"count": 0, "min": None, "max": None, "avg": None}
    assert result == {
        "count": 0,
        "complete": True,
        "first": None,
        "last": None,
        **{f"temperature{n}": empty for n in range(1, 6)},
    }


def test_a_device_without_readings_has_no_figures(api: Api) -> None:
    assert stats(api, "stats-nobody") == expected([])


def test_stats_stop_at_the_read_budget_and_say_so(api: Api) -> None:
    if api.derived:
        pytest.skip("the budget of the walk over readings; rollups: test_history_rollups.py")
    with also_serving(api, history_read_budget=15) as small:
        everything = stats(small, "stats-a")
        windowed = stats(small, "stats-a", at={"from": iso(T0 + 60 * 10)})

    assert everything == expected(NUMERIC[:15], complete=False)
    # The budget counts the readings read, in or out of the window.
    assert windowed == expected(NUMERIC[9:15], complete=False)


def test_a_budget_exactly_as_large_as_the_device_is_complete(api: Api) -> None:
    with also_serving(api, history_read_budget=COUNT) as exact:
        assert stats(exact, "stats-a") == expected(NUMERIC)


@pytest.mark.parametrize(
    "window",
    [{"from": iso(T0), "to": iso(T0)}, {"from": iso(T0 + 1), "to": iso(T0)}],
)
def test_a_window_that_ends_before_it_starts_is_refused(api: Api, window: Any) -> None:
    errors = api.errors(DOCUMENT, {"d": "stats-a", "at": window})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "recordedAt: from" in errors[0]["message"]
