"""`python -m bench.hop` runs on DynamoDB Local and prints each way against the inline floor
(it times, so it asserts no figure: the figures go into notes, as the bench's do)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from bench import hop
from tests.bench.printed import printed_ways
from tests.conftest import LOCAL_URL, NO_LOCAL
from tests.timing import patient


@pytest.mark.skipif(not LOCAL_URL, reason=NO_LOCAL)
def test_the_hop_bench_prints_each_way_against_the_inline_floor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert hop.main(["--rounds", "2", "--calls", "5", "--pause", "0"]) == 0

    out = capsys.readouterr().out
    ways = printed_ways(out)
    assert ways.get("inline") == "1.00"  # the floor, against itself
    assert "thread" in ways
    assert "aiobotocore" in ways or "aiobotocore: not installed" in out


def test_the_hop_bench_says_what_it_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DYNAMODB_LOCAL_URL", raising=False)

    assert hop.main([]) == 2
    assert "DYNAMODB_LOCAL_URL is not set" in capsys.readouterr().out


@pytest.mark.skipif(not LOCAL_URL, reason=NO_LOCAL)
def test_the_hop_bench_pins_its_process_when_asked() -> None:
    # A process of its own: pinning this one would pin every test after it.
    done = subprocess.run(
        [sys.executable, "-m", "bench.hop", "--pin", "--rounds", "1", "--calls", "3"],
        capture_output=True,
        text=True,
        timeout=patient(120),
        check=False,
    )

    assert done.returncode == 0, done.stderr
    pinned = re.search(r"^pinned to CPU (\d+)$", done.stdout, re.MULTILINE)
    assert pinned is not None, done.stdout
    assert int(pinned.group(1)) in os.sched_getaffinity(0)
    assert re.search(r"^thread +\d+us", done.stdout, re.MULTILINE), done.stdout
