"""client-examples/web's files: the vendored libraries are those its README lists, the page
loads nothing else, and ranges.js (the page's arithmetic) chooses windows and buckets as the
README says, run by Node (no browser needed)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.web import WEB

DAY = 86400


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
        "data:,",  # no favicon to fetch
        "vendor/uplot@1.6.32/dist/uPlot.min.css",
        "vendor/uplot@1.6.32/dist/uPlot.iife.min.js",
        "vendor/graphql-ws@6.4.2/umd/graphql-ws.min.js",
        "ranges.js",
        "dashboard.js",
    }


# -- ranges.js, in Node -------------------------------------------------------------------


def ranges(expression: str) -> Any:
    """The JSON value of `expression`, with `R` bound to ranges.js."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install -y nodejs); .ci/run installs it")
    script = f"const R = require({json.dumps(str(WEB / 'ranges.js'))});"
    script += f"process.stdout.write(JSON.stringify({expression}));"
    done = subprocess.run(
        [node, "-e", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


LAST = 1_790_003_300  # 15:08:20 UTC: on no bucket's edge


@pytest.mark.parametrize(
    ("range_", "seconds", "bucket"),
    [("hour", 3600, 60), ("day", DAY, 300), ("week", 7 * DAY, 3600), ("month", 30 * DAY, 3600)],
)
def test_a_range_ends_with_the_bucket_holding_the_newest_reading(
    range_: str, seconds: int, bucket: int
) -> None:
    window = ranges(f"R.plan({json.dumps(range_)}, {LAST - 90 * DAY}, {LAST})")
    assert window == {
        "range": range_,
        "from": window["to"] - seconds,
        "to": -(-(LAST + 1) // bucket) * bucket,
        "bucket": bucket,
        "buckets": seconds // bucket,
    }
    assert window["to"] - bucket <= LAST < window["to"]


def test_all_spans_the_first_to_the_newest_reading_in_at_most_400_aligned_buckets() -> None:
    cases = ranges(
        "[[0, 59], [0, 3 * 86400], [1000, 1000 + 40 * 86400], [0, 10 * 365 * 86400]]"
        ".map(([a, b]) => R.plan('all', a, b))"
    )
    assert [c["bucket"] for c in cases] == [60, 900, 10800, 14 * DAY]
    for (first, last), case in zip(
        [(0, 59), (0, 3 * DAY), (1000, 1000 + 40 * DAY), (0, 3650 * DAY)], cases, strict=True
    ):
        assert case["from"] <= first
        assert last < case["to"]
        assert case["from"] % case["bucket"] == 0
        assert case["to"] % case["bucket"] == 0
        assert case["buckets"] <= 400
        assert (case["to"] - case["from"]) // case["bucket"] == case["buckets"]


def test_a_lower_bucket_maximum_or_a_refused_size_steps_the_bucket_up() -> None:
    month = ranges(f"R.plan('month', 0, {LAST}, {{maxBuckets: 500}})")
    assert (month["bucket"], month["buckets"]) == (10800, 240)
    day = ranges(f"R.plan('day', 0, {LAST}, {{minBucket: R.nextBucket(300)}})")
    assert (day["bucket"], day["buckets"]) == (900, 96)
    assert ranges("R.plan('day', null, null)") is None  # no reading with a time


def test_the_chart_joins_buckets_across_small_holes_and_breaks_at_wide_ones() -> None:
    # Buckets of a minute with readings every 5 minutes, then a 30-minute hole.
    drawn = ranges(
        "R.chartData({from: 0, to: 3600, bucket: 60, buckets: 60},"
        " [0, 5, 10, 40, 45].map((m, k) => ({start: R.iso(60 * m), count: 1,"
        " temperature1: {count: 1, min: k, max: k + 1, avg: k + 0.5}})), ['temperature1'])"
    )
    assert drawn["join"] == 15  # 3 times the usual step of 5 buckets
    assert drawn["x"] == [30, 330, 630, 1530, 2430, 2730]  # a break row in the hole
    assert drawn["columns"] == [
        {
            "mean": [0.5, 1.5, 2.5, None, 3.5, 4.5],
            "min": [0, 1, 2, None, 3, 4],
            "max": [1, 2, 3, None, 4, 5],
        }
    ]
