"""Fixtures of the browser tests: chromium, and client-examples/web served over HTTP."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.cdp import find_chromium
from tests.browser.web import WEB


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it")
    return path


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
