"""What the tests of client-examples/web share: where things are, and reading the page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.browser.cdp import Page

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "client-examples" / "web"
SCREENSHOTS = ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def iso(seconds: int) -> str:
    """An instant as the API writes a DateTime."""
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def state(page: Page, expression: str) -> Any:
    """`expression` evaluated in the page with `s` bound to its state (window.dashboard)."""
    return page.evaluate(f"(() => {{ const s = window.dashboard; return {expression}; }})()")


def coloured_pixels(
    page: Page,
    colour: tuple[int, int, int],
    *,
    tolerance: int = 12,
    alpha: tuple[int, int] = (200, 255),
) -> int:
    """How many pixels of the chart's canvas are (nearly) `colour`, with an alpha in `alpha`
    (the canvas is transparent: a fill at 18% is that colour at alpha 46)."""
    r, g, b = colour
    low, high = alpha
    count: int = page.evaluate(
        "(() => { const c = document.querySelector('#chart canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        f" for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - {r}) <= {tolerance} &&"
        f" Math.abs(d[i + 1] - {g}) <= {tolerance} && Math.abs(d[i + 2] - {b}) <= {tolerance}"
        f" && d[i + 3] >= {low} && d[i + 3] <= {high}) n++;"
        " return n; })()"
    )
    return count
