"""Stats and series assembled from rollups, against figures the test works out from its rows.

A seeded random history over a few devices (API-style numbers and the tutorial's strings,
timestamps that are not times, readings spread over months), its rollups rebuilt, then random
windows and bucket lengths, aligned to UTC periods and not: every answer must equal, exactly,
what the rows say. On moto and DynamoDB Local.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from gql.store.readings import ReadingStore
from tests.api.conftest import Api, also_serving, standalone_api
from tests.api.history_data import FIGURES, T0, Row, figures, in_window, iso, write
from tests.conftest import BACKENDS

DEVICES = ["r-a", "r-b", "r-c"]
DAY = 86_400


def make_rows() -> list[Row]:
    rng = random.Random(1616)
    rows = []
    for n in range(1, 601):
        device = rng.choice(DEVICES)
        seconds = T0 + rng.choice([rng.randrange(0, 3 * DAY), rng.randrange(-40 * DAY, 90 * DAY)])
        stamp = str(seconds) if rng.random() > 0.03 else rng.choice(["soon", "1e20"])
        if rng.random() < 0.2:
            stamp = f"{seconds}.{rng.randrange(1000):03d}"
        temperatures = {
            f"temperature{k}": str(rng.randrange(-4000, 4000) / 100)
            for k in range(1, 6)
            if rng.random() > 0.25
        }
        rows.append(Row(device, n, stamp, temperatures, legacy=rng.random() < 0.3))
    return rows


ROWS = make_rows()
STATS = f"""query ($d: ID!, $at: TimeRange) {{ device(deviceId: $d) {{
  stats(recordedAt: $at) {{ {FIGURES} complete first {{ datacount }} last {{ datacount }} }}
}} }}"""
SERIES = f"""query ($d: ID!, $at: TimeRange!, $b: Int!) {{ device(deviceId: $d) {{
  series(recordedAt: $at, bucketSeconds: $b) {{ start {FIGURES} }} }} }}"""


def seed(store: ReadingStore) -> None:
    write(store.db.client, store.table, ROWS)


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    with standalone_api(request.param, seed, derived=True) as served:
        yield served


def expected_stats(device: str, start: float | None, end: float | None) -> dict[str, Any]:
    rows = [r for r in ROWS if r.device == device]
    if start is not None or end is not None:
        rows = [r for r in rows if in_window(r, start, end)]
    ordered = sorted(r.datacount for r in rows)
    return {
        **figures(rows),
        "complete": True,
        "first": {"datacount": ordered[0]} if ordered else None,
        "last": {"datacount": ordered[-1]} if ordered else None,
    }


def expected_series(device: str, start: float, end: float, seconds: int) -> list[dict[str, Any]]:
    rows = [r for r in ROWS if r.device == device]
    buckets, low = [], start
    while low < end:
        inside = [r for r in rows if in_window(r, low, min(low + seconds, end))]
        if inside:
            buckets.append({"start": iso(low), **figures(inside)})
        low += seconds
    return buckets


def random_window(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.5:  # on whole UTC periods
        unit = rng.choice([300, 3600, DAY])
        aligned = T0 - T0 % unit + unit * rng.randrange(-50, 60)
        return aligned, aligned + unit * rng.randrange(1, 40)
    start = T0 + rng.randrange(-45 * DAY, 95 * DAY) + rng.randrange(1000) / 1000
    return start, start + rng.choice([1, 299, 301, 3600, DAY, 7 * DAY, 60 * DAY]) + rng.random()


def test_stats_over_random_windows_equal_the_figures_of_the_rows(api: Api) -> None:
    rng = random.Random(7)
    for device in DEVICES:
        assert api.data(STATS, {"d": device})["device"]["stats"] == expected_stats(
            device, None, None
        )
    for _ in range(60):
        device = rng.choice(DEVICES)
        start, end = random_window(rng)
        bounds: dict[str, str] = {"from": iso(start), "to": iso(end)}
        if rng.random() < 0.15:
            del bounds[rng.choice(["from", "to"])]
        got = api.data(STATS, {"d": device, "at": bounds})["device"]["stats"]
        assert got == expected_stats(
            device, start if "from" in bounds else None, end if "to" in bounds else None
        ), bounds


def test_series_over_random_windows_and_buckets_equal_the_buckets_of_the_rows(api: Api) -> None:
    rng = random.Random(8)
    for _ in range(40):
        device = rng.choice(DEVICES)
        start, end = random_window(rng)
        seconds = rng.choice([60, 300, 450, 3600, 5000, DAY, 7 * DAY])
        if (end - start) / seconds > 1000:
            seconds = int((end - start) // 900) + 1
        variables = {"d": device, "at": {"from": iso(start), "to": iso(end)}, "b": seconds}
        got = api.data(SERIES, variables)["device"]["series"]
        assert got == expected_series(device, start, end, seconds), variables


def test_stats_from_rollups_stop_at_the_read_budget_and_say_so(api: Api) -> None:
    # From 00:02:30 to the next day's 23:57:30: thirty-odd rollups and two raw edges.
    start = T0 - T0 % DAY + 150
    window = {"from": iso(start), "to": iso(start + 2 * DAY - 300)}
    with also_serving(api, history_read_budget=3) as small:
        cut = small.data(STATS, {"d": "r-a", "at": window})["device"]["stats"]
        errors = small.errors(SERIES, {"d": "r-a", "at": window, "b": 3600})

    assert cut["complete"] is False
    assert cut["count"] < expected_stats("r-a", start, start + 2 * DAY - 300)["count"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "more than 3 readings and rollups" in errors[0]["message"]
