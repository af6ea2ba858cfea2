"""bench/live.py's quick mode, end to end: it measures and writes all nine figures (three of
them through the Redis relay, with a redis-server of its own). Timing is not checked. Slow
(about a minute: it waits for events on purpose); run with `make test-slow`.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gql.schema import sdl
from tests.conftest import LOCAL_URL, NO_LOCAL
from tests.timing import patient

REPO = Path(__file__).resolve().parents[2]
KEYS = [
    "live_p50_1",
    "live_p99_1",
    "live_p50_5",
    "live_p99_5",
    "live_fanout",
    "live_stream_calls",
    "relay_get_records",
    "relay_p50",
    "relay_p99",
]


@pytest.mark.slow
@pytest.mark.skipif(
    "readingChanges" not in sdl(), reason="this build serves no Subscription.readingChanges"
)
def test_quick_live_bench_writes_nine_figures_as_json(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))  # counted in the summary
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    output = tmp_path / "live.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.live", "--quick", "--output", str(output)],
        cwd=REPO,
        env=dict(os.environ, DYNAMODB_LOCAL_URL=LOCAL_URL),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=patient(240),
        check=False,
    )

    assert done.returncode == 0, f"bench.live exited {done.returncode}:\n{done.stderr[-4000:]}"
    figures = {f["key"]: f for f in json.loads(output.read_text(encoding="utf-8"))["figures"]}
    assert list(figures) == KEYS
    for key, figure in figures.items():
        assert figure["error"] is None, f"{key}: {figure['error']}"
        assert math.isfinite(figure["ratio"]), key
        assert figure["result"] in ("PASS", "MISS"), key
        assert key in done.stdout, f"the printed table has no row for {key}"
    # One reader per process: the proxy saw the server's Streams calls in both phases.
    assert "GetRecords" in figures["live_stream_calls"]["summary"]
    assert "0 of them by replicas" in figures["relay_get_records"]["summary"]
