"""client-examples/web in headless chromium against `gql serve` on DynamoDB Local.

The page is served from its folder by a plain static server on another port, as its README
says, so the API allows that origin with GQL_CORS_ORIGINS; API keys are on, and the page gets
its key from the URL. The test checks that the newest page of history is drawn, that "Load
older readings" adds the next page, that a reading written with plain boto3 after the page
loaded appears, and that nothing was fetched from outside. The screenshot is
test-artifacts/live-page.png.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import math
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from gql.schema import sdl
from tests.browser.cdp import Browser, CdpError, Page, find_chromium
from tests.conftest import LOCAL_URL, NO_LOCAL, local_client
from tests.integration.conftest import Server, drop_table, local_env, run_ok, unique_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "client-examples" / "web"
SCREENSHOT = ROOT / "test-artifacts" / "live-page.png"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
API_KEY = "live-page-api-key-0123456789"
DEVICE = "30001"
HISTORY = 30  # readings 1..30, ten minutes apart
PAGE = 12
START = 1612519200
SERIES_COLOUR = (229, 57, 53)  # temperature1's stroke, #e53935 in readings.js


def temperature(n: int, offset: float = 0) -> float:
    return round(20 + offset + 5 * math.sin(n / 3), 2)


def js(value: float) -> str:
    """A number as JavaScript prints it (25.0 as 25)."""
    return str(int(value)) if value.is_integer() else repr(value)


# -- the page's files ---------------------------------------------------------------------


def test_the_vendored_files_are_those_the_readme_lists() -> None:
    readme = (WEB / "vendor" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| ([\d.]+) \| `([^`]+)` \| ([\d,]+) \| `([0-9a-f]{64})` \|$",
                      readme, re.MULTILINE)  # fmt: skip
    assert len(rows) == 3
    listed = set()
    for package, version, file, size, sha256 in rows:
        path = WEB / "vendor" / f"{package}@{version}" / file
        data = path.read_bytes()
        assert len(data) == int(size.replace(",", "")), path
        assert hashlib.sha256(data).hexdigest() == sha256, path
        licence = (path.parents[len(Path(file).parts) - 1] / "LICENSE").read_text()
        assert "MIT License" in licence
        listed.add(path)
    vendored = {p for p in (WEB / "vendor").rglob("*") if p.is_file()}
    assert vendored - listed == {
        WEB / "vendor" / "README.md",
        WEB / "vendor" / "uplot@1.6.32" / "LICENSE",
        WEB / "vendor" / "graphql-ws@6.4.2" / "LICENSE",
    }
    page = (WEB / "index.html").read_text(encoding="utf-8")
    loaded = set(re.findall(r'(?:src|href)="([^"]+)"', page))
    assert loaded == {
        "vendor/uplot@1.6.32/dist/uPlot.min.css",
        "vendor/uplot@1.6.32/dist/uPlot.iife.min.js",
        "vendor/graphql-ws@6.4.2/umd/graphql-ws.min.js",
        "readings.js",
    }


# -- in the browser -----------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """client-examples/web over HTTP, as `python -m http.server` serves it."""
    handler = functools.partial(_QuietHandler, directory=str(WEB))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it")
    return path


@pytest.fixture(scope="module")
def dynamodb() -> DynamoDBClient:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    return local_client()


@pytest.fixture(scope="module")
def table(dynamodb: DynamoDBClient) -> Iterator[str]:
    assert LOCAL_URL
    name = unique_table("livepage")
    try:
        run_ok("table", "create", "--wait", env=local_env(LOCAL_URL, name))
        for n in range(1, HISTORY + 1):
            put(dynamodb, name, n)
        yield name
    finally:
        drop_table(dynamodb, name)


def put(dynamodb: DynamoDBClient, table: str, n: int) -> None:
    info = {
        "info_timestamp": {"S": str(START + 600 * n)},
        "temperature1": {"N": str(temperature(n))},
        "temperature2": {"N": str(temperature(n, 3))},
    }
    item: dict[str, Any] = {
        "device_id": {"S": DEVICE},
        "datacount": {"N": str(n)},
        "info": {"M": info},
    }
    dynamodb.put_item(TableName=table, Item=item)


@pytest.fixture(scope="module")
def api(table: str, page_origin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    assert LOCAL_URL
    env = local_env(LOCAL_URL, table) | {
        "GQL_API_KEYS": API_KEY,
        "GQL_CORS_ORIGINS": page_origin,
    }
    with Server(env, tmp_path_factory.mktemp("live-page")) as server:
        yield server


@pytest.fixture
def page(chromium: str) -> Iterator[Page]:
    with Browser(chromium) as browser:
        yield browser.page


def write_until_shown(page: Page, dynamodb: DynamoDBClient, table: str, first: int) -> int:
    """Write readings first, first + 1, ... with boto3 until one arrives on the page as a live
    change; its number.

    The page's subscription sees changes from about one poll interval after it started, so an
    early write is repeated (as a new reading each time) until one arrives. A write can also
    show through the history the page reads on (re)connecting, without arriving as a change:
    only a live change (`touched`) counts.
    """
    for n in range(first, first + 30):
        put(dynamodb, table, n)
        try:
            page.wait_for(
                f"window.devicePage.touched.has({n})", f"reading {n}", timeout=1, check=bool
            )
        except CdpError:  # not yet: write another
            continue
        return n
    pytest.fail(f"no boto3 write appeared on the page: {state(page, 's.changes')}")


def state(page: Page, expression: str) -> Any:
    return page.evaluate(f"(() => {{ const s = window.devicePage; return {expression}; }})()")


def coloured_pixels(page: Page) -> int:
    """How many pixels of the chart's canvas are temperature1's colour: the line was drawn."""
    r, g, b = SERIES_COLOUR
    count: int = page.evaluate(
        "(() => { const c = document.querySelector('#chart canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        f" for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - {r}) < 12 &&"
        f" Math.abs(d[i + 1] - {g}) < 12 && Math.abs(d[i + 2] - {b}) < 12 && d[i + 3] > 200) n++;"
        " return n; })()"
    )
    return count


@pytest.mark.skipif(
    "readingChanges" not in sdl(), reason="this build serves no Subscription.readingChanges"
)
def test_the_page_draws_history_pages_and_appends_a_boto3_write(
    request: pytest.FixtureRequest,
    page: Page,
    api: Server,
    page_origin: str,
    dynamodb: DynamoDBClient,
    table: str,
) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))  # counted in the summary
    query = urlencode(
        {"url": f"{api.url}/graphql", "device": DEVICE, "key": API_KEY, "first": PAGE}
    )
    page.goto(f"{page_origin}/index.html?{query}")
    page.wait_for("window.devicePage?.ready === true", "the first page of history", check=bool)
    assert state(page, "s.error") is None
    # The newest PAGE readings, drawn in time order.
    newest = list(range(HISTORY - PAGE + 1, HISTORY + 1))
    xs = state(page, "s.chart.data[0]")
    assert xs == [START + 600 * n for n in newest]
    assert state(page, "s.chart.data[1]") == [temperature(n) for n in newest]
    assert state(page, "s.hasOlder") is True
    assert coloured_pixels(page) > 200

    page.click("#older")
    page.wait_for("window.devicePage.points", "the older page", check=lambda v: v == 2 * PAGE)
    xs = state(page, "s.chart.data[0]")
    assert xs == [START + 600 * n for n in range(HISTORY - 2 * PAGE + 1, HISTORY + 1)]

    # A write with plain boto3 after the page loaded.
    n = write_until_shown(page, dynamodb, table, HISTORY + 1)
    line = f"INSERT {DEVICE} : {n}  {js(temperature(n))} {js(temperature(n, 3))} - - -"
    assert state(page, "s.changes.at(-1)") == line
    assert state(page, "s.chart.data[0].at(-1)") == START + 600 * n
    shown = page.evaluate("document.querySelector('#changes').innerText")
    assert line in shown
    page.screenshot(SCREENSHOT)

    requests = [r["request"]["url"] for r in page.events("Network.requestWillBeSent")]
    sockets = [s["url"] for s in page.events("Network.webSocketCreated")]
    assert sockets == [f"ws://127.0.0.1:{api.port}/graphql"]
    urls = [u for u in requests + sockets if not u.startswith(("data:", "blob:"))]
    outside = [u for u in urls if urlsplit(u).hostname not in LOCAL_HOSTS]
    assert outside == []
    assert page.events("Runtime.exceptionThrown") == []
    assert page.events("Network.loadingFailed") == []
    assert state(page, "s.error") is None


@pytest.mark.skipif(
    "readingChanges" not in sdl(), reason="this build serves no Subscription.readingChanges"
)
def test_after_a_server_restart_the_page_reads_again_and_resubscribes(
    request: pytest.FixtureRequest,
    page: Page,
    page_origin: str,
    dynamodb: DynamoDBClient,
    table: str,
    tmp_path: Path,
) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))
    assert LOCAL_URL
    env = local_env(LOCAL_URL, table) | {"GQL_API_KEYS": API_KEY, "GQL_CORS_ORIGINS": page_origin}
    with Server(env, tmp_path) as first:
        settings = {"url": f"{first.url}/graphql", "device": DEVICE, "key": API_KEY}
        page.goto(f"{page_origin}/index.html?{urlencode(settings)}")
        page.wait_for("window.devicePage?.ready === true", "the first page", check=bool)
        write_until_shown(page, dynamodb, table, 1000)
        first.terminate(timeout=15)  # its exit status is the shutdown work's (branch obs)
    status = page.wait_for(
        "document.getElementById('status').textContent",
        "the page noticing",
        check=lambda text: "subscribing anew" in text,
    )
    assert status.startswith(("The server ended live updates", "The socket closed", "Cannot"))

    # The same address again: the page reads the history and subscribes on its own.
    second = Server(env, tmp_path)
    second.port, second.url = first.port, first.url
    second.http.base_url = httpx.URL(first.url)
    with second:
        page.wait_for("window.devicePage.live === true", "a new socket", timeout=40, check=bool)
        n = write_until_shown(page, dynamodb, table, 2000)
        assert state(page, "s.readings.has(1000)")  # read again from the table
    assert state(page, "s.changes.at(-1)").startswith(f"INSERT {DEVICE} : {n}  ")
