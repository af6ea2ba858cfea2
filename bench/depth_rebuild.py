"""The rebuild figure of bench/depth.py: `gql derive rebuild` against `gql load` of the same
readings, in rounds, each round's two sides on one fresh DynamoDB Local."""

from __future__ import annotations

import time
from pathlib import Path

from bench.plan import check, say
from bench.report import Figure
from bench.stack import Stack


def load_and_rebuild(stack: Stack, table: str, data: Path, n: int) -> tuple[float, float]:
    """Seconds of `gql load` of the readings and of `gql derive rebuild` after it, both on
    the first table of an instance that held nothing before."""
    say(f"  gql table create --wait, then gql load of {n:,} readings of one device")
    stack.gql("table", "create", "--wait", table=table)
    started = time.perf_counter()
    stack.gql("load", data, table=table, timeout=7200)
    load_s = time.perf_counter() - started
    say(f"  {load_s:.1f} s; gql derive rebuild")
    started = time.perf_counter()
    done = stack.gql("derive", "rebuild", table=table, timeout=7200)
    rebuild_s = time.perf_counter() - started
    say(f"  {rebuild_s:.1f} s: {done.stdout.strip().splitlines()[-1]}")
    check(f"{n} readings" in done.stdout, f"the rebuild did not read {n}: {done.stdout}")
    return load_s, rebuild_s


def rebuild_figure(n: int, times: list[tuple[float, float]]) -> Figure:
    """The median round's ratio: each round's two sides ran on one instance in one state."""
    ratios = sorted((rebuild_s / load_s, load_s, rebuild_s) for load_s, rebuild_s in times)
    ratio, load_s, rebuild_s = ratios[(len(ratios) - 1) // 2]
    return Figure(
        "depth_rebuild",
        f"gql derive rebuild of {n:,} readings vs gql load of them",
        "<=",
        1.5,
        ratio=ratio,
        summary=f"{rebuild_s:.1f} s vs {load_s:.1f} s (the median of {len(times)} rounds)",
        detail={
            "readings": n,
            "rounds": [{"load_s": round(a, 2), "rebuild_s": round(b, 2)} for a, b in times],
            "ratios": [round(b / a, 3) for a, b in times],
        },
    )
