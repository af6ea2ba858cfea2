"""client-examples/web, the dashboard, in headless chromium against `gql serve --derive` on
DynamoDB Local.

The page is served from its folder by a plain static server on another port, as its README
says, so the API allows that origin with GQL_CORS_ORIGINS; API keys are on, and the page gets
its key from the URL. Three devices are written with plain boto3 (one of them as the tutorial's
scripts write, strings and no time index), and the server's own consumer derives them. The test
pages the device list (two a page), picks the third device, checks the series of each range it
switches to against figures it computes from its own readings, writes a reading with boto3 and
sees it drawn at once, then folded into the series once history.upTo passes it. The
screenshots are test-artifacts/dashboard-week.png (the week: bands) and dashboard.png (the day,
after the write).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from gql.schema import sdl
from tests.browser.cdp import Browser, CdpError, Page
from tests.browser.web import LOCAL_HOSTS, SCREENSHOTS, coloured_pixels, iso, state
from tests.conftest import LOCAL_URL, local_client
from tests.integration.conftest import Server, drop_table, local_env, run_ok, unique_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.skipif(
    "readingChanges" not in sdl() or "history" not in sdl(),
    reason="this build serves no readingChanges or no derived history",
)

API_KEY = "dashboard-api-key-0123456789"
DEVICE = "dash-c"  # the one picked: on the second page of two devices
HALF_HOUR = 1800
COUNT = 1200  # dash-c's readings, one every 30 minutes: 25 days
END = 1_790_003_300  # its newest reading's time (15:08:20 UTC, on no bucket's edge)
START = END - (COUNT - 1) * HALF_HOUR
LIVE = COUNT + 1  # the datacount of the reading written while the page is open
LIVE_AT = END + 600
LIVE_TEMPERATURE = Fraction(41)  # above every other: it becomes the day's maximum
RED = (229, 57, 53)  # temperature1's colour, #e53935 in dashboard.js: its line, and its band
BAND_ALPHA = (40, 52)  # at 18%: 46 of 255
LADDER = [60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400]  # ranges.js's, the start of it


def temperature1(n: int) -> Fraction:
    return Fraction(200 + (n * 37) % 50, 10)  # 20.0 .. 24.9


def temperature2(n: int) -> Fraction:
    return Fraction(150 + (n * 11) % 40, 10)


def readings() -> dict[int, tuple[int, Fraction, Fraction]]:
    """dash-c's readings: datacount -> (time, temperature1, temperature2)."""
    return {
        n: (START + (n - 1) * HALF_HOUR, temperature1(n), temperature2(n))
        for n in range(1, COUNT + 1)
    }


def number(value: Fraction) -> str:
    return str(float(value)) if value.denominator != 1 else str(value.numerator)


def item(device: str, n: int, at: int, t1: Fraction, t2: Fraction, *, api: bool) -> Any:
    """A reading as this API writes it (with the time index attribute and a version), or as
    the tutorial's scripts do (temperatures as strings, neither attribute)."""
    kind = "N" if api else "S"
    info = {
        "info_timestamp": {"S": str(at)},
        "temperature1": {kind: number(t1)},
        "temperature2": {kind: number(t2)},
    }
    found: dict[str, Any] = {
        "device_id": {"S": device},
        "datacount": {"N": str(n)},
        "info": {"M": info},
    }
    if api:
        found |= {"recorded_at": {"N": str(at)}, "version": {"N": "1"}}
    return found


def write(dynamodb: DynamoDBClient, table: str, items: list[Any]) -> None:
    for first in range(0, len(items), 25):
        request: Any = {table: [{"PutRequest": {"Item": i}} for i in items[first : first + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems")


@pytest.fixture(scope="module")
def dynamodb() -> DynamoDBClient:
    return local_client()  # skips without DynamoDB Local


@pytest.fixture(scope="module")
def table(dynamodb: DynamoDBClient) -> Iterator[str]:
    assert LOCAL_URL
    name = unique_table("dashboard")
    try:
        run_ok("table", "create", "--wait", env=local_env(LOCAL_URL, name))
        items = [item(DEVICE, n, *values, api=True) for n, values in readings().items()]
        items += [
            item("dash-a", n, END - 60 * n, Fraction(21), Fraction(17), api=True) for n in (1, 2, 3)
        ]
        # As the tutorial's create_item.py writes: the consumer gives these their time index.
        items += [
            item("dash-b", n, END - 7200 * n, Fraction(19), Fraction(18), api=False) for n in (1, 2)
        ]
        write(dynamodb, name, items)
        yield name
    finally:
        drop_table(dynamodb, name)


@pytest.fixture(scope="module")
def api(table: str, page_origin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    assert LOCAL_URL
    env = local_env(LOCAL_URL, table) | {"GQL_API_KEYS": API_KEY, "GQL_CORS_ORIGINS": page_origin}
    with Server(env, tmp_path_factory.mktemp("dashboard"), "--derive") as server:
        wait_for_history(server, {"dash-a": 3, "dash-b": 2, DEVICE: COUNT})
        yield server


def wait_for_history(server: Server, counts: dict[str, int], timeout: float = 180) -> None:
    """Until the consumer has derived every device with these counts (the first derivation of
    1,205 readings writes about 2,000 rollups: on a loaded machine, a minute or more)."""
    query = """{ history { upTo backlog }
      devices(first: 10) { edges { node { deviceId readingCount } } } }"""
    deadline = time.monotonic() + timeout
    while True:
        answer = server.http.post(
            "/graphql", json={"query": query}, headers={"x-api-key": API_KEY}
        ).json()
        data = answer.get("data") or {}
        found = {
            e["node"]["deviceId"]: e["node"]["readingCount"]
            for e in data.get("devices", {}).get("edges", [])
        }
        if found == counts and data["history"]["backlog"] == 0:
            return
        assert time.monotonic() < deadline, (
            f"the history was not derived in {timeout:g} s: {answer}"
        )
        time.sleep(0.5)


@pytest.fixture
def page(chromium: str) -> Iterator[Page]:
    with Browser(chromium) as browser:
        yield browser.page


# -- what the page should show, computed here from the readings --------------------------


def window(range_: str, first: int, last: int) -> tuple[int, int, int]:
    """(from, to, bucket) of a range: the README's rules, written again here."""
    end = last + 1
    fixed = {
        "hour": (3600, 60),
        "day": (86400, 300),
        "week": (7 * 86400, 3600),
        "month": (30 * 86400, 3600),
    }
    if range_ in fixed:
        seconds, bucket = fixed[range_]
        to = -(-end // bucket) * bucket
        return to - seconds, to, bucket
    for bucket in LADDER:  # "all": the smallest bucket that makes at most 400
        to = -(-end // bucket) * bucket
        start = min(first // bucket * bucket, to - bucket)
        if (to - start) // bucket <= 400:
            return start, to, bucket
    raise AssertionError("no bucket fits")


def figures(values: list[Fraction]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "min": None, "max": None, "avg": None}
    return {
        "count": len(values),
        "min": float(min(values)),
        "max": float(max(values)),
        "avg": float(sum(values) / len(values)),
    }


def expected_series(
    data: dict[int, tuple[int, Fraction, Fraction]], start: int, end: int, bucket: int
) -> list[dict[str, Any]]:
    buckets: dict[int, list[tuple[Fraction, Fraction]]] = {}
    for at, t1, t2 in data.values():
        if start <= at < end:
            buckets.setdefault((at - start) // bucket, []).append((t1, t2))
    none = figures([])
    return [
        {
            "start": iso(start + i * bucket),
            "count": len(values),
            "temperature1": figures([v[0] for v in values]),
            "temperature2": figures([v[1] for v in values]),
            "temperature3": none,
            "temperature4": none,
            "temperature5": none,
        }
        for i, values in sorted(buckets.items())
    ]


def shown(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = state(
        page,
        "({range: s.range, window: s.window, buckets: s.buckets, count: s.stats?.count,"
        " drawn: s.drawn.temperatures, means: s.drawn.columns[0].mean.filter(v => v !== null)})",
    )
    return found


def check_range(page: Page, range_: str, data: dict[int, tuple[int, Fraction, Fraction]]) -> None:
    """The series the page drew for `range_` is the one computed here from `data`."""
    times = [at for at, _, _ in data.values()]
    start, end, bucket = window(range_, min(times), max(times))
    now = shown(page)
    assert now["range"] == range_
    assert now["window"] == {
        "range": range_,
        "from": start,
        "to": end,
        "bucket": bucket,
        "buckets": (end - start) // bucket,
    }
    expected = expected_series(data, start, end, bucket)
    assert now["buckets"] == expected
    assert now["count"] == sum(b["count"] for b in expected)
    assert now["drawn"] == ["temperature1", "temperature2"]  # 3..5 have no values
    assert now["means"] == [b["temperature1"]["avg"] for b in expected]


def click_range(page: Page, range_: str) -> None:
    reads = state(page, "s.reads")
    page.click("#ranges button", text=range_.capitalize())
    page.wait_for(
        "(() => { const s = window.dashboard; return [s.ready, s.reads, s.range]; })()",
        f"the {range_} range",
        timeout=30,
        check=lambda v: v == [True, v[1], range_] and v[1] > reads,
    )


# -- the test -----------------------------------------------------------------------------


def test_the_dashboard_pages_devices_switches_ranges_and_shows_a_boto3_write(
    request: pytest.FixtureRequest,
    page: Page,
    api: Server,
    page_origin: str,
    dynamodb: DynamoDBClient,
    table: str,
) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))  # counted in the summary
    query = urlencode({"url": f"{api.url}/graphql", "key": API_KEY, "first": 2, "poll": 500})
    page.goto(f"{page_origin}/index.html?{query}")
    # With no device asked for, the first of the list is shown; the list is paged by two.
    page.wait_for("window.dashboard?.ready === true", "the first device", timeout=30, check=bool)
    assert state(page, "[s.device, s.devices.map(d => d.deviceId), s.hasMoreDevices]") == [
        "dash-a",
        ["dash-a", "dash-b"],
        True,
    ]
    listed = page.evaluate("document.querySelector('#devices').innerText")
    assert f"dash-a\n3 readings, last {iso(END - 60).replace('T', ' ')[:19]} UTC" in listed
    page.click("#more-devices")
    page.wait_for_selector(f'#devices button[data-device="{DEVICE}"]')
    page.click(f'#devices button[data-device="{DEVICE}"]')
    page.wait_for(
        "(() => { const s = window.dashboard; return s.ready && s.device; })()",
        f"device {DEVICE}",
        timeout=30,
        check=lambda v: v == DEVICE,
    )
    assert state(page, "s.info.readingCount") == COUNT
    data = readings()
    check_range(page, "day", data)  # the default
    click_range(page, "week")
    check_range(page, "week", data)
    # Two readings an hour: a band from the lower to the higher, around the mean's line.
    assert coloured_pixels(page, RED) > 200
    assert coloured_pixels(page, RED, tolerance=2, alpha=BAND_ALPHA) > 2000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(SCREENSHOTS / "dashboard-week.png")
    for range_ in ("all", "month", "hour", "day"):
        click_range(page, range_)
        check_range(page, range_, data)

    # A write with plain boto3, as the tutorial does: drawn as a dot at once, and in the
    # series (a new maximum) once the consumer has derived it and history.upTo passes it.
    write(dynamodb, table, [item(DEVICE, LIVE, LIVE_AT, LIVE_TEMPERATURE, Fraction(16), api=False)])
    page.wait_for(  # drawn on the next animation frame after it arrived
        "window.dashboard.drawn.live", "the write, live", timeout=30, check=lambda v: v == [LIVE]
    )
    assert state(page, "s.changes.at(-1)") == f"INSERT {DEVICE} : {LIVE}  41 16 - - -"
    data[LIVE] = (LIVE_AT, LIVE_TEMPERATURE, Fraction(16))
    page.wait_for(
        "window.dashboard.info.readingCount",
        "the write in the history",
        timeout=60,
        check=lambda v: v == COUNT + 1,
    )
    page.wait_for(
        "window.dashboard.unreflected.length", "the series read again", check=lambda v: v == 0
    )
    check_range(page, "day", data)
    assert state(page, "s.stats.temperature1.max") == 41
    # The consumer's own write of the time index is one more change to read: a moment behind.
    history = page.wait_for(
        "document.getElementById('history').textContent",
        "the history caught up",
        check=lambda text: text.endswith(", caught up"),
    )
    assert history.startswith("History up to "), history
    page.screenshot(SCREENSHOTS / "dashboard.png")

    requests = [r["request"]["url"] for r in page.events("Network.requestWillBeSent")]
    sockets = [s["url"] for s in page.events("Network.webSocketCreated")]
    assert sockets == [f"ws://127.0.0.1:{api.port}/graphql"] * 2  # dash-a's, then dash-c's
    urls = [u for u in requests + sockets if not u.startswith(("data:", "blob:"))]
    outside = [u for u in urls if urlsplit(u).hostname not in LOCAL_HOSTS]
    assert outside == []
    assert page.events("Runtime.exceptionThrown") == []
    assert page.events("Network.loadingFailed") == []
    assert state(page, "s.error") is None


def test_after_a_server_restart_the_dashboard_reads_again_and_resubscribes(
    request: pytest.FixtureRequest,
    page: Page,
    page_origin: str,
    dynamodb: DynamoDBClient,
    table: str,
    api: Server,  # the history is derived (and stays: the table is the module's)
    tmp_path: Path,
) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))
    assert LOCAL_URL
    env = local_env(LOCAL_URL, table) | {"GQL_API_KEYS": API_KEY, "GQL_CORS_ORIGINS": page_origin}
    with Server(env, tmp_path) as first:
        settings = {"url": f"{first.url}/graphql", "device": "dash-a", "key": API_KEY, "poll": 500}
        page.goto(f"{page_origin}/index.html?{urlencode(settings)}")
        page.wait_for("window.dashboard?.ready === true", "the first read", timeout=30, check=bool)
        write_until_shown(page, dynamodb, table, 1000)
        reads = state(page, "s.reads")
        first.terminate(timeout=15)
    status = page.wait_for(
        "document.getElementById('status').textContent",
        "the page noticing",
        check=lambda text: "subscribing anew" in text,
    )
    assert status.startswith(("The server ended live updates", "The socket closed", "Cannot"))

    # The same address again: the page reads the device again and subscribes on its own.
    second = Server(env, tmp_path)
    second.port, second.url = first.port, first.url
    second.http.base_url = httpx.URL(first.url)
    with second:
        page.wait_for("window.dashboard.connected === true", "a new socket", timeout=40, check=bool)
        n = write_until_shown(page, dynamodb, table, 2000)
        assert state(page, "s.error") is None
        assert state(page, "s.reads") > reads  # the device and its series read again
    assert state(page, "s.changes.at(-1)").startswith(f"INSERT dash-a : {n}  ")


def write_until_shown(page: Page, dynamodb: DynamoDBClient, table: str, first: int) -> int:
    """Write dash-a's readings first, first + 1, ... until one shows on the page; its number.

    The page's subscription sees changes from about one poll interval after it started, so an
    early write is repeated (as a new reading each time) until one arrives.
    """
    for n in range(first, first + 30):
        write(dynamodb, table, [item("dash-a", n, END - 60, Fraction(22), Fraction(17), api=True)])
        try:
            page.wait_for(f"window.dashboard.live.has({n})", f"reading {n}", timeout=1, check=bool)
        except CdpError:  # not yet: write another
            continue
        return n
    pytest.fail(f"no boto3 write appeared on the page: {state(page, 's.changes')}")
