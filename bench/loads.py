"""The `gql load` figures: its time against boto3's batch_writer() on 1..8 threads, and its peak
RSS on a file a hundred times larger (NDJSON). Every load is a command run to its end, so
interpreter start-up is in each time alike."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.fresh_local import FreshLocal
from bench.plan import Plan, check, ratio, say
from bench.report import Figure
from bench.stack import REPO, Stack

TEMPERATURES = ("temperature1", "temperature2", "temperature3", "temperature4", "temperature5")


def reading(device: str, n: int, rng: random.Random) -> dict[str, Any]:
    """A reading in the tutorial's data.json format."""
    return {
        "device_id": device,
        "datacount": n,
        "info": {
            "info_timestamp": str(1612519200 + 1800 * n),
            **{name: round(rng.uniform(10, 40), 2) for name in TEMPERATURES},
        },
    }


def readings(devices: int, per_device: int, *, prefix: str = "dev", seed: int = 7) -> list[Any]:
    """`devices` devices (dev-0000, ... as plan.device_id names them), datacount 1..per_device."""
    rng = random.Random(seed)
    return [
        reading(f"{prefix}-{d:04d}", n, rng)
        for d in range(devices)
        for n in range(1, per_device + 1)
    ]


def write_readings(path: Path, items: list[Any]) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def write_ndjson(path: Path, count: int, *, per_device: int = 100, seed: int = 11) -> Path:
    """`count` readings, one a line, written as they are made: never all in memory."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            device, datacount = divmod(n, per_device)
            out.write(json.dumps(reading(f"big-{device:06d}", datacount + 1, rng)) + "\n")
    return path


def measure_load(
    stack: Stack,
    plan: Plan,
    main_table: str,
    data_file: Path,
    warmup_file: Path | None,
    variant: str | None = None,
) -> Figure:
    """`gql load` of `data_file` against boto3 batch_writer() on each thread count, fair by
    construction: each load runs on a DynamoDB Local of its own, fresh (bench/fresh_local.py)
    and warmed up the same way, so that no side inherits the tables and stream records of
    the loads before it; the sides take turns, round after round, and each gives its median.
    `main_table` (which seeds the other figures) is loaded first, untimed."""
    figure = Figure(
        "load", f"gql load of {plan.items:,} vs fastest boto3 batch_writer()", "<=", 1.1
    )
    say(f"gql load: {plan.items:,} readings into the table of the other figures (untimed)")
    stack.gql("load", data_file, table=main_table, timeout=3600, variant=variant)
    sides: list[int] = [0, *plan.writer_threads]  # 0: gql load; n: batch_writer on n threads
    times: dict[int, list[float]] = {side: [] for side in sides}
    for round_number in range(plan.load_rounds):
        for side in sides:
            seconds = _load_on_fresh_local(stack, side, data_file, warmup_file, variant)
            times[side].append(seconds)
            name = "gql load" if side == 0 else f"boto3 batch_writer() on {side} thread(s)"
            say(f"load round {round_number + 1}/{plan.load_rounds}: {name}: {seconds:.2f} s")
    median = {side: statistics.median(values) for side, values in times.items()}
    fastest = min(plan.writer_threads, key=lambda t: median[t])
    figure.ratio = ratio(median[0], median[fastest])
    figure.summary = (
        f"{median[0]:.2f} s vs {median[fastest]:.2f} s (batch_writer on {fastest} threads), "
        f"each on a fresh DynamoDB Local"
    )
    figure.detail = {
        "items": plan.items,
        "gql_load_s": [round(s, 3) for s in times[0]],
        "batch_writer_s": {str(t): [round(s, 3) for s in times[t]] for t in plan.writer_threads},
        "rounds": plan.load_rounds,
        "note": "wall-clock of each command, interpreter start included; every load on a "
        "fresh DynamoDB Local warmed up alike; medians of the rounds",
    }
    return figure


def _load_on_fresh_local(
    stack: Stack, side: int, data_file: Path, warmup_file: Path | None, variant: str | None
) -> float:
    """One timed load on a fresh DynamoDB Local: `gql load` (side 0) or batch_writer."""
    with (
        FreshLocal(stack.log_dir, f"load-{side}") as endpoint,
        Stack(endpoint, stack.log_dir) as fresh,
    ):
        if warmup_file is not None:
            # DynamoDB Local's JIT is cold at first: both write paths warmed up, every side.
            warm = fresh.create_table("warmup")
            fresh.gql("load", warmup_file, table=warm, variant=variant)
            fresh.python("-m", "bench.writer_load", warmup_file, warm, "--threads", "4", table=warm)
            fresh.client.delete_table(TableName=warm)
        table = fresh.create_table("load")
        started = time.perf_counter()
        if side == 0:
            fresh.gql("load", data_file, table=table, timeout=3600, variant=variant)
        else:
            fresh.python(
                "-m", "bench.writer_load", data_file, table, "--threads", str(side), table=table,
                timeout=900,
            )  # fmt: skip
        return time.perf_counter() - started


def load_peak_rss(stack: Stack, data: Path, table: str, log: Path) -> tuple[float, int]:
    """Seconds and peak RSS (KiB, the command's own, from wait4) of `gql load data`."""
    command = [*stack.gql_command(None), "load", str(data)]
    started = time.perf_counter()
    with log.with_suffix(".out").open("wb") as out, log.with_suffix(".err").open("wb") as err:
        process = subprocess.Popen(
            command, env=stack.env(table), cwd=REPO, stdin=subprocess.DEVNULL, stdout=out,
            stderr=err,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    check(process.returncode == 0, f"gql load {data} exited {process.returncode}: see {log}.err")
    return elapsed, int(usage.ru_maxrss)


def measure_load_memory(stack: Stack, plan: Plan, tmp: Path) -> Figure:
    big, small = plan.million_items, plan.items
    figure = Figure("load_memory", f"gql load peak RSS, {big:,} NDJSON vs {small:,}", "<=", 1.5)
    runs: dict[int, tuple[float, int]] = {}
    for count in (small, big):
        data = write_ndjson(tmp / f"load-{count}.ndjson", count)
        table = stack.create_table(f"rss{count}")
        say(f"load memory: gql load of {count:,} NDJSON readings")
        runs[count] = load_peak_rss(stack, data, table, stack.log_dir / f"load-{count}")
        say(f"  {runs[count][0]:.1f} s, peak RSS {runs[count][1] / 1024:.1f} MiB")
        stack.client.delete_table(TableName=table)
        data.unlink()
    figure.ratio = ratio(runs[big][1], runs[small][1])
    figure.summary = (
        f"{runs[big][1] / 1024:.1f} MiB vs {runs[small][1] / 1024:.1f} MiB "
        f"({runs[big][0]:.0f} s for {big:,})"
    )
    figure.detail = {
        str(count): {"seconds": round(s, 2), "peak_rss_kib": kib}
        for count, (s, kib) in runs.items()
    }
    return figure
