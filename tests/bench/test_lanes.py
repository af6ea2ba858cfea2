"""`python -m bench.lanes` answers one reading four ways, each checked against the others, and
prints each against the route (it times, so it asserts no figure: figures go into notes)."""

from __future__ import annotations

import pytest

from bench import lanes
from tests.bench.printed import printed_ways
from tests.conftest import LOCAL_URL, NO_LOCAL


@pytest.mark.skipif(not LOCAL_URL, reason=NO_LOCAL)
def test_the_lanes_bench_prints_each_way_against_the_route(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert lanes.main(["--rounds", "2", "--requests", "3"]) == 0

    out = capsys.readouterr().out
    ways = printed_ways(out)
    assert set(ways) == {"route", "core", "gql", "typename"}, out
    assert ways["route"] == "1.00"  # the floor, against itself


def test_the_lanes_bench_says_what_it_needs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DYNAMODB_LOCAL_URL", raising=False)

    assert lanes.main([]) == 2
    assert "DYNAMODB_LOCAL_URL is not set" in capsys.readouterr().out
