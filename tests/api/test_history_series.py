"""Device.series over HTTP, on moto and DynamoDB Local, against buckets worked out in the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import Api, also_serving, standalone_api, store_for
from tests.api.history_data import FIGURES, HISTORY_APIS, T0, Row, figures, in_window, iso, write

BUCKET = 600
FROM, TO = T0, T0 + 3600  # six buckets of ten minutes
OFFSETS = {  # datacount -> seconds after FROM, as stored
    1: "0",  # exactly at from: the first bucket
    2: "599.999",  # the last instant of the first bucket
    3: "600",  # exactly on a boundary: the second bucket
    4: "1500",
    5: "1501",
    6: "3599",  # the last bucket (buckets 3 and 4 stay empty)
    7: "3600",  # exactly at to: outside
    8: "-1",  # before from: outside
}
ROWS = [
    *(
        Row(
            "ser",
            n,
            str(FROM + float(offset)) if "." in offset else str(FROM + int(offset)),
            {"temperature1": str(n * 1.25), **({"temperature2": str(-n)} if n % 2 else {})},
        )
        for n, offset in OFFSETS.items()
    ),
    Row("ser", 9, "soon", {"temperature1": "1"}),
]
LEGACY = [
    Row("ser-legacy", n, str(FROM + 60 * n), {"temperature1": f"2{n}.5", "temperature3": "x"}, True)
    for n in range(1, 5)
]
DOCUMENT = f"""query ($d: ID!, $at: TimeRange!, $b: Int!, $f: ReadingCondition,
                     $dc: DatacountCondition) {{
  device(deviceId: $d) {{
    series(recordedAt: $at, bucketSeconds: $b, filter: $f, datacount: $dc) {{ start {FIGURES} }}
  }} }}"""
WINDOW = {"from": iso(FROM), "to": iso(TO)}


def seed(store: ReadingStore) -> None:
    write(store.db.client, store.table, [*ROWS, *LEGACY])


@pytest.fixture(scope="module", params=HISTORY_APIS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    backend, _, derived = str(request.param).partition("+")
    with standalone_api(backend, seed, derived=bool(derived)) as served:
        yield served


def series(api: Api, device: str = "ser", **variables: Any) -> list[dict[str, Any]]:
    data = api.data(DOCUMENT, {"d": device, "at": WINDOW, "b": BUCKET, **variables})
    result: list[dict[str, Any]] = data["device"]["series"]
    return result


def expected(rows: list[Row], start: float, end: float, seconds: int) -> list[dict[str, Any]]:
    buckets = []
    low = start
    while low < end:
        inside = [r for r in rows if in_window(r, low, min(low + seconds, end))]
        if inside:
            buckets.append({"start": iso(low), **figures(inside)})
        low += seconds
    return buckets


def test_buckets_at_the_window_edges(api: Api) -> None:
    result = series(api)

    assert result == expected(ROWS, FROM, TO, BUCKET)
    assert [b["count"] for b in result] == [2, 1, 2, 1]


def test_a_series_takes_a_filter_and_a_datacount_range(api: Api) -> None:
    result = series(api, f={"temperature2": {"exists": True}}, dc={"lte": 5})

    rows = [r for r in ROWS if "temperature2" in r.temperatures and r.datacount <= 5]
    assert result == expected(rows, FROM, TO, BUCKET)


def test_buckets_start_at_from_whatever_its_offset(api: Api) -> None:
    window = {"from": "2021-02-05T12:00:00.5+02:00", "to": "2021-02-05T12:30:00+02:00"}

    result = series(api, at=window, b=700)

    assert result == expected(ROWS, FROM + 0.5, FROM + 1800, 700)
    assert [(b["start"], b["count"]) for b in result] == [
        ("2021-02-05T10:00:00.500000+00:00", 2),  # reading 1, at 10:00:00, is before from
        ("2021-02-05T10:23:20.500000+00:00", 2),
    ]


def test_legacy_string_temperatures_count_as_numbers(api: Api) -> None:
    result = series(api, "ser-legacy", b=120)

    assert result == expected(LEGACY, FROM, TO, 120)
    assert result[0]["temperature1"]["count"] == 1


def test_an_empty_window_has_no_buckets(api: Api) -> None:
    assert series(api, at={"from": iso(TO + 1), "to": iso(TO + 7200)}) == []


def test_too_many_buckets_are_refused_before_anything_is_read(api: Api) -> None:
    missing = store_for(api.client, "no-such-table", api.backend)
    with also_serving(api, store=missing) as tableless:
        errors = tableless.errors(DOCUMENT, {"d": "ser", "at": WINDOW, "b": 3})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "1200 buckets" in errors[0]["message"]
    assert "at most 1000 buckets" in errors[0]["message"]


def test_the_bucket_maximum_is_a_setting(api: Api) -> None:
    with also_serving(api, series_max_buckets=5) as small:
        errors = small.errors(DOCUMENT, {"d": "ser", "at": WINDOW, "b": BUCKET})

    assert "at most 5 buckets" in errors[0]["message"]


def test_a_series_that_would_read_more_than_the_budget_is_refused(api: Api) -> None:
    with also_serving(api, history_read_budget=5) as small:
        errors = small.errors(DOCUMENT, {"d": "ser", "at": WINDOW, "b": BUCKET})
        narrowed = small.data(
            DOCUMENT, {"d": "ser", "at": WINDOW, "b": BUCKET, "dc": {"between": [2, 6]}}
        )

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "more than 5 readings" in errors[0]["message"]
    rows = [r for r in ROWS if 2 <= r.datacount <= 6]
    assert narrowed["device"]["series"] == expected(rows, FROM, TO, BUCKET)


@pytest.mark.parametrize(
    ("window", "seconds", "message"),
    [
        ({"from": iso(FROM)}, BUCKET, "recordedAt: a series needs both from and to"),
        ({"to": iso(TO)}, BUCKET, "recordedAt: a series needs both from and to"),
        ({"from": iso(TO), "to": iso(FROM)}, BUCKET, "recordedAt: from"),
        ({"from": iso(FROM), "to": iso(FROM)}, BUCKET, "recordedAt: from"),
        (WINDOW, 0, "bucketSeconds: must be at least 1"),
        (WINDOW, -60, "bucketSeconds: must be at least 1"),
    ],
)
def test_a_series_needs_a_window_and_a_bucket_length(
    api: Api, window: Any, seconds: int, message: str
) -> None:
    errors = api.errors(DOCUMENT, {"d": "ser", "at": window, "b": seconds})

    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert message in errors[0]["message"]
