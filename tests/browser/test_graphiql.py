"""GraphiQL in a real headless browser (Debian's chromium): it renders from the package's own
assets, runs a query typed into it, shows the schema's docs, and fetches nothing from outside.

The server is the one `gql serve` runs with nothing configured: the embedded backend, seeded
with the sample readings. A screenshot is saved as test-artifacts/graphiql.png.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gql.config import Settings
from gql.web.app import create_app
from gql.web.graphiql import ASSETS_PATH
from tests.api.conftest import SECRET, serve_in_thread
from tests.browser.cdp import Browser, Page, find_chromium
from tests.timing import patient

SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "graphiql.png"
QUERY = '{\n  readingsByDevice(deviceId: "10001") {\n    edges { node { datacount } }\n  }\n}\n'
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# The value of the editor's CodeMirror instance under `selector`.
EDITOR_VALUE = "document.querySelector({}).closest('.CodeMirror').CodeMirror.getValue()"
RESULT = ".result-window .CodeMirror"
DOCS = ".graphiql-doc-explorer"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it")
    return path


@pytest.fixture
def base_url() -> Iterator[str]:
    app = create_app(Settings(cursor_secrets=(SECRET,)))  # embedded backend, sample data
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def page(chromium: str) -> Iterator[Page]:
    with Browser(chromium) as browser:
        yield browser.page


def editor_value(page: Page, selector: str) -> str:
    value: str = page.evaluate(EDITOR_VALUE.format(json.dumps(selector)))
    return value


def wait_for_result(page: Page) -> dict[str, Any]:
    text = page.wait_for(
        EDITOR_VALUE.format(json.dumps(RESULT)),
        "a result in the result pane",
        check=lambda value: bool(value) and '"data"' in value,
    )
    result: dict[str, Any] = json.loads(text)
    return result


def docs_text(page: Page) -> str:
    text: str = page.evaluate(f"document.querySelector({json.dumps(DOCS)})?.innerText ?? ''")
    return text


def test_graphiql_runs_a_typed_query_and_shows_the_docs(page: Page, base_url: str) -> None:
    started = time.monotonic()
    page.goto(f"{base_url}/graphql")
    page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    # The page's own welcome text is in the editor: GraphiQL rendered, not just the HTML.
    assert "Welcome to GraphiQL" in editor_value(page, ".graphiql-query-editor .CodeMirror")

    # Type the query over the example, and run it with Ctrl-Enter.
    page.click(".graphiql-query-editor .CodeMirror-lines")
    page.press("a", "KeyA", 65, modifiers=2)  # Ctrl-A: select everything in the editor
    page.insert_text(QUERY)
    assert editor_value(page, ".graphiql-query-editor .CodeMirror") == QUERY
    page.press("Enter", "Enter", 13, modifiers=2)
    result = wait_for_result(page)
    edges = result["data"]["readingsByDevice"]["edges"]
    assert [edge["node"]["datacount"] for edge in edges] == [1, 2]
    assert "errors" not in result

    # The docs explorer lists the root type, and the query field under it.
    page.click('button[aria-label="Show Documentation Explorer"]')
    page.wait_for(
        f"!!document.querySelector({json.dumps(DOCS)})",
        "the documentation explorer",
        check=bool,
    )
    page.click(f"{DOCS} a", text="Query")
    text = page.wait_for(
        f"document.querySelector({json.dumps(DOCS)})?.innerText ?? ''",
        "readingsByDevice in the docs",
        check=lambda value: "readingsByDevice" in value,
    )
    assert "Query" in text
    assert "scanReadings" in text
    page.screenshot(SCREENSHOT)

    # Everything came from this server: the page, its vendored assets, and the queries.
    requests = [r["request"] for r in page.events("Network.requestWillBeSent")]
    urls = [r["url"] for r in requests if not r["url"].startswith(("data:", "blob:"))]
    outside = [url for url in urls if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert outside == []
    assets = [url for url in urls if urlsplit(url).path.startswith(f"{ASSETS_PATH}/")]
    assert len(assets) == 7, urls  # react, react-dom, js-cookie, graphiql js+css, explorer js+css
    assert any(r["method"] == "POST" for r in requests)  # introspection and the query

    failed = page.events("Network.loadingFailed")
    assert failed == []
    exceptions = page.events("Runtime.exceptionThrown")
    assert exceptions == []
    errors = [
        entry for entry in page.events("Log.entryAdded") if entry["entry"]["level"] == "error"
    ] + [c for c in page.events("Runtime.consoleAPICalled") if c["type"] == "error"]
    assert errors == []  # e.g. an integrity (SRI) mismatch, a blocked or missing script
    assert time.monotonic() - started < patient(40)
