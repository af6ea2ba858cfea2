"""The bench's quick mode, end to end: it runs and writes all its figures. Timing is not checked.

Needs DynamoDB Local (`make test` starts it in a private network namespace); skipped without.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LOCAL_URL, NO_LOCAL
from tests.timing import patient

REPO = Path(__file__).resolve().parents[2]
KEYS = [
    "latency",
    "throughput",
    "p99",
    "scan",
    "scan_scale",
    "load",
    "load_memory",
    "latest",
    "memory",
    "workers",
    "history",
    "batch",
    "observability",
    "depth_rebuild",
    "depth_stats",
    "depth_stats_items",
    "depth_series",
    "depth_lag_p50",
    "depth_lag_p99",
]


def test_quick_bench_writes_every_ratio_as_json(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))  # counted in the summary
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    output = tmp_path / "results" / "latest.json"
    env = dict(os.environ, DYNAMODB_LOCAL_URL=LOCAL_URL)

    done = subprocess.run(
        # The built-in load generator: CI does not install autocannon (`make bench` does).
        [sys.executable, "-m", "bench", "--quick", "--tool", "builtin", "--output", str(output)],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=patient(240),
        check=False,
    )

    assert done.returncode == 0, f"bench exited {done.returncode}:\n{done.stderr[-4000:]}"
    results = json.loads(output.read_text(encoding="utf-8"))
    figures = {figure["key"]: figure for figure in results["figures"]}
    assert list(figures) == KEYS
    for key, figure in figures.items():
        assert figure["error"] is None, f"{key}: {figure['error']}"
        assert isinstance(figure["ratio"], float), f"{key}: {figure['ratio']!r}"
        assert math.isfinite(figure["ratio"]), key
        assert figure["result"] in ("PASS", "MISS"), key
    for key in KEYS:
        assert key in done.stdout, f"the printed table has no row for {key}"
