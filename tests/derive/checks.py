"""What the long tests check once the derived history has caught up: `devices` and random
stats and series, through the API, against a full scan (tests/derive/scenario.py)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import httpx

from gql.models import TEMPERATURES
from tests.derive.scenario import BASE, DAY, Scenario, Truth, iso
from tests.timing import patient

FIELD = "{ count min max avg }"
FIGURES = "count " + " ".join(f"{name} {FIELD}" for name in TEMPERATURES)
STATS = f"""query ($d: ID!, $at: TimeRange) {{ device(deviceId: $d) {{
  stats(recordedAt: $at) {{ {FIGURES} complete first {{ datacount }} last {{ datacount }} }}
}} }}"""
SERIES = f"""query ($d: ID!, $at: TimeRange!, $b: Int!) {{ device(deviceId: $d) {{
  series(recordedAt: $at, bucketSeconds: $b) {{ start {FIGURES} }} }} }}"""
DEVICES = """query ($after: String) { devices(first: 100, after: $after) {
  edges { node { deviceId readingCount firstRecordedAt lastRecordedAt } }
  pageInfo { hasNextPage endCursor } } }"""
HISTORY = "{ history { upTo backlog consuming } }"
BUCKETS = [60, 300, 450, 600, 1000, 3600, 5000, 7200, DAY, 7 * DAY]


CHANGES = 5000
SETTINGS = {
    # Every answer is checked complete: the budgets are not what these tests are about.
    "GQL_HISTORY_READ_BUDGET": "200000",
    "GQL_REQUEST_TIMEOUT": "60",
    "GQL_READ_TIMEOUT": "30",
    "GQL_STREAM_POLL_SECONDS": "0.2",
}


def report(name: str, scenario: Scenario, seconds: float, checked: object, **more: object) -> None:
    """The figures of a run, for the note: `seconds` is how long deriving took after the
    last write (for the Lambda test, how long the handler took over all the batches)."""
    kinds = ", ".join(f"{k}: {n}" for k, n in sorted(scenario.kinds.items()))
    print(
        f"\n{name}: {scenario.done} changes ({kinds}); derived in {seconds:.1f} s after the "
        f"last write; checked {checked}; {more}"
    )


def graphql(http: httpx.Client, document: str, variables: dict[str, Any] | None = None) -> Any:
    body = http.post("/graphql", json={"query": document, "variables": variables or {}}).json()
    assert "errors" not in body, body
    return body["data"]


def wait_until_reflected(http: httpx.Client, written: float, timeout: float = 300.0) -> float:
    """Wait (`patient(timeout)` at most) until history says everything recorded up to after
    `written` is reflected (and nothing is left in the backlog); returns how long that took."""
    timeout = patient(timeout)
    started = time.monotonic()
    while True:
        history = graphql(http, HISTORY)["history"]
        up_to = history["upTo"]
        if history["backlog"] == 0 and up_to is not None and datetime_seconds(up_to) > written:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"not caught up after {timeout:g} s: {history}"
        time.sleep(0.25)


def datetime_seconds(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


@dataclass
class Checked:
    devices: int = 0
    stats: int = 0
    series: int = 0
    buckets: int = 0


def check_everything(http: httpx.Client, truth: Truth, seed: int, windows: int = 200) -> Checked:
    checked = Checked()
    listed, after = [], None
    while True:
        page = graphql(http, DEVICES, {"after": after})["devices"]
        listed += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert listed == truth.devices()
    checked.devices = len(listed)
    rng = random.Random(seed)
    devices = sorted(truth.by_device)
    for device in devices:
        got = graphql(http, STATS, {"d": device})["device"]["stats"]
        assert got == {**truth.stats(device, None, None), "complete": True}, device
    for n in range(windows):
        device = rng.choice(devices)
        start, end = _window(rng)
        if n % 5 < 2:
            got = graphql(http, STATS, {"d": device, "at": {"from": iso(start), "to": iso(end)}})
            assert got["device"]["stats"] == {**truth.stats(device, start, end), "complete": True}
            checked.stats += 1
            continue
        seconds = rng.choice(BUCKETS)
        while (end - start) / seconds > 1000:
            seconds *= 2
        variables = {"d": device, "at": {"from": iso(start), "to": iso(end)}, "b": seconds}
        got = graphql(http, SERIES, variables)["device"]["series"]
        assert got == truth.series(device, start, end, seconds), variables
        checked.series += 1
        checked.buckets += len(got)
    return checked


def _window(rng: random.Random) -> tuple[Fraction, Fraction]:
    if rng.random() < 0.5:  # on whole UTC periods
        unit = rng.choice([300, 3600, DAY])
        aligned = BASE - BASE % unit + unit * rng.randrange(-2, 12 * DAY // unit)
        periods = rng.randrange(1, 300 if unit == 300 else 40)
        return Fraction(aligned), Fraction(aligned + unit * periods)
    late = rng.random() < 0.2
    low = BASE - 400 * DAY if late else BASE - DAY
    start = Fraction(low + rng.randrange(0, (400 if late else 13) * DAY))
    start += Fraction(rng.randrange(1000), 1000)
    length = rng.choice([1, 299, 301, 3600, DAY, 3 * DAY, 13 * DAY, 300 * DAY])
    return start, start + length + Fraction(rng.randrange(1000), 1000)
