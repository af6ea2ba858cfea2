"""GraphiQL runs a subscription: strawberry's page gives its fetcher a `subscriptionUrl` made
from the page's own location (ws://host/graphql), and GraphiQL's bundled graphql-ws client
sends the Headers pane as the connection_init payload, which is where the server looks for the
API key on a socket.

The server is the in-process app on the embedded backend, which publishes its own writes, with
API keys on; the page gets its subscription and headers from the URL, as a shared link would.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pytest

from gql.config import Settings
from gql.schema import sdl
from gql.web.app import create_app
from tests.api.conftest import SECRET, serve_in_thread
from tests.browser.cdp import Browser, CdpError, Page, find_chromium
from tests.timing import patient

pytestmark = pytest.mark.skipif(
    "readingChanges" not in sdl(), reason="this build serves no Subscription.readingChanges"
)

API_KEY = "graphiql-subscription-key-0123456789"
SUBSCRIPTION = (
    'subscription {\n  readingChanges(deviceId: "40001") {\n'
    "    kind\n    datacount\n    reading { info { temperature1 } }\n  }\n}\n"
)
EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = ".result-window .CodeMirror"
VALUE = "document.querySelector({}).closest('.CodeMirror').CodeMirror.getValue()"
PUT = """mutation Put($reading: ReadingInput!) { putReading(reading: $reading) { __typename } }"""


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it")
    return path


@pytest.fixture
def base_url() -> Iterator[str]:
    app = create_app(Settings(cursor_secrets=(SECRET,), api_keys=frozenset({API_KEY})))
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def page(chromium: str) -> Iterator[Page]:
    with Browser(chromium) as browser:
        yield browser.page


def put(base_url: str, datacount: int) -> None:
    reading: dict[str, Any] = {
        "deviceId": "40001",
        "datacount": datacount,
        "info": {"infoTimestamp": "1612519200", "temperature1": 20 + datacount},
    }
    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": PUT, "variables": {"reading": reading}},
        headers={"x-api-key": API_KEY},
        timeout=10,
    )
    assert response.json() == {"data": {"putReading": {"__typename": "Reading"}}}


def test_graphiql_runs_a_subscription_over_the_pages_own_socket(page: Page, base_url: str) -> None:
    headers = json.dumps({"x-api-key": API_KEY})
    page.goto(
        f"{base_url}/graphql?{urlencode({'q': SUBSCRIPTION, 'headers': headers}, quote_via=quote)}"
    )
    page.wait_for_selector(EDITOR)
    assert page.evaluate(VALUE.format(json.dumps(EDITOR))) == SUBSCRIPTION
    page.click(f"{EDITOR}-lines")
    page.press("Enter", "Enter", 13, modifiers=2)  # Ctrl-Enter: run

    # The subscription sees changes from about when it started: write until one shows.
    result: dict[str, Any] = {}
    for datacount in range(1, 30):
        put(base_url, datacount)
        try:
            text = page.wait_for(
                VALUE.format(json.dumps(RESULT)),
                "a change in the result pane",
                timeout=1,
                check=lambda value: bool(value) and "readingChanges" in value,
            )
        except CdpError:
            continue
        result = json.loads(text)
        break
    else:
        pytest.fail("no change showed in GraphiQL's result pane")
    change = result["data"]["readingChanges"]
    assert change["kind"] == "INSERT"
    assert change["reading"]["info"]["temperature1"] == 20 + change["datacount"]

    # Later changes replace it as they come.
    put(base_url, 100)
    deadline = time.monotonic() + patient(10)
    while time.monotonic() < deadline:
        shown = json.loads(page.evaluate(VALUE.format(json.dumps(RESULT))) or "{}")
        if shown.get("data", {}).get("readingChanges", {}).get("datacount") == 100:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the last change did not show: {shown}")

    sockets = [s["url"] for s in page.events("Network.webSocketCreated")]
    host = urlsplit(base_url).netloc
    assert sockets == [f"ws://{host}/graphql"]
