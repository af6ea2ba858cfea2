"""`python -m bench [--quick] [--big]`: the benchmark, end to end.

Starts DynamoDB Local in a private network namespace (scripts/in-netns, as the tests do) unless
DYNAMODB_LOCAL_URL already names one, creates a table with `gql table create --wait`, seeds it
with `gql load` of a generated file, starts `gql serve` and the plain Starlette baseline
(bench/baseline_app.py), measures each figure of FIGURES as a ratio against a floor measured
in the same run, prints a table with PASS/MISS and writes the figures as JSON
(bench/results/latest.json unless --output says otherwise). Figures are never asserted: the
exit status is 0 when every figure not skipped was measured, whatever it is.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import depth, history, lag, latest, loads, measure, scans
from bench.batch import measure_batch
from bench.load import find_tool
from bench.loads import readings, write_ndjson, write_readings
from bench.observability import measure_observability
from bench.plan import FULL, QUICK, Plan, reading_key, say
from bench.report import Figure, GoalOp, table, write_json
from bench.stack import REPO, Server, Stack, gql_settings_in

DEFAULT_OUTPUT = REPO / "bench" / "results" / "latest.json"

# The rows of the table, in order: key, what is measured, and the goal of its ratio. A new
# figure adds a row here and a step in `run` below; its measurement lives in its own module.
FIGURES: list[tuple[str, str, GoalOp, float]] = [
    ("latency", "reading p50, 1 connection, vs the Starlette route", "<=", 1.15),
    ("throughput", "reading req/s, 50 connections, vs the route", ">=", 1.0),
    ("p99", "reading p99, 50 connections, vs the route's p99", "<=", 1.5),
    ("scan", "full scan via scanReadings(first: 100) vs boto3", "<=", 1.2),
    ("scan_scale", "per-reading scan cost at 100,000 vs at 10,000", "<=", 1.1),
    ("load", "gql load of 10,000 vs fastest boto3 batch_writer()", "<=", 1.1),
    ("load_memory", "gql load peak RSS, 1,000,000 NDJSON vs 10,000", "<=", 1.5),
    ("latest", "latestReading of 20 devices vs boto3 20 Queries on 20 threads", "<=", 1.2),
    ("memory", "server RSS after 60 s of load vs warmed up", "<=", 1.10),
    ("workers", "reading req/s, 50 connections: 2 workers vs 1", ">=", 1.0),
    ("history", "Device.stats of 10,000 readings vs boto3 Query + sum", "<=", 1.3),
    ("batch", "putReadings of 100 vs 100 putReading in one request", ">=", 3.0),
    ("observability", "reading req/s, metrics + request log on vs off", ">=", 0.95),
    # History at any depth (bench/depth.py, bench/lag.py), each on a DynamoDB Local of its own.
    ("depth_rebuild", "gql derive rebuild of 100,000 readings vs gql load of them", "<=", 1.5),
    ("depth_stats", "Device.stats over 30 days of 100,000: boto3 Query + sum / stats", ">=", 50),
    ("depth_stats_items", "items read by that stats / by boto3", "<=", 0.01),
    ("depth_series", "series of 720 hourly buckets over the same: items read", "<=", 1000),
    ("depth_lag_p50", "write -> history.upTo, p50, 200/s for 60 s (s)", "<=", 1.0),
    ("depth_lag_p99", "write -> history.upTo, p99, 200/s for 60 s (s)", "<=", 3.0),
]
DEPTH = ("depth_rebuild", "depth_stats", "depth_stats_items", "depth_series")
BIG = {"scan_scale", "load_memory"}  # skipped unless --big: minutes each


def _reexec_in_netns(argv: list[str]) -> int:
    """Run this command again inside scripts/in-netns, which starts DynamoDB Local."""
    if os.environ.get("BENCH_NETNS_TRIED"):
        say(
            "DynamoDB Local is not available: scripts/in-netns could not make a private network "
            "namespace here (it needs root or unprivileged user namespaces), or set "
            "DYNAMODB_LOCAL_URL to a DynamoDB Local you started"
        )
        return 2
    env = dict(os.environ, BENCH_NETNS_TRIED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    script = str(REPO / "scripts" / "in-netns")
    os.execve(script, [script, sys.executable, "-m", "bench", *argv], env)  # noqa: S606
    return 2  # not reached


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through every `finally`, which stops the children


class Figures(dict[str, Figure]):
    """The figures of a run, each a placeholder until measured; `step` measures one."""

    def __init__(self, plan: Plan) -> None:
        super().__init__((k, Figure(k, title, op, goal)) for k, title, op, goal in FIGURES)
        if not plan.big:
            for key in BIG:
                self[key].skipped = "a --big run measures it"

    def step(
        self,
        key: str,
        measure: Callable[[], Figure | tuple[Figure, ...]],
        also: tuple[str, ...] = (),
    ) -> None:
        """Measure `key` (and the figures `also` that the same measurement gives)."""
        if self[key].skipped:
            return
        try:
            result = measure()
            for figure in result if isinstance(result, tuple) else (result,):
                self[figure.key] = figure
        except Exception as exc:
            say(f"{key} failed: {exc}")
            traceback.print_exc(file=sys.stderr)
            for name in (key, *also):
                self[name].error = f"{type(exc).__name__}: {str(exc)[:500]}"


def run(plan: Plan, endpoint: str, output: Path, tool_name: str, variant: str | None) -> int:
    started = time.monotonic()
    tool = find_tool(tool_name)
    log_dir = output.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    figures = Figures(plan)
    say(f"{'quick' if plan.quick else 'full'} run; load tool: {tool.describe()}")
    if variant:
        say(f"PROTOTYPE run: gql with the patches {variant} of bench/variants.py")
    load_average = [os.getloadavg()]
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp_name,
        Stack(endpoint, log_dir) as stack,
    ):
        tmp = Path(tmp_name)
        main_table = stack.table_name("devices")
        env = stack.env(main_table)
        # The bench's own boto3 clients (the raw baselines) use the same credentials.
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        data_file = write_readings(tmp / "readings.json", readings(plan.devices, plan.per_device))
        warmup_file = None
        if plan.warmup_items:
            warmup_file = write_readings(
                tmp / "warmup.json", readings(plan.warmup_items // 100, 100, prefix="warm")
            )
        say(f"gql table create --wait ({main_table} on {endpoint})")
        stack.gql("table", "create", "--wait", table=main_table)
        figures.step(
            "load",
            lambda: loads.measure_load(stack, plan, main_table, data_file, warmup_file, variant),
        )
        if figures["load"].error is not None:  # nothing else can run on an empty table
            stack.gql("load", data_file, table=main_table, timeout=600)
        figures.step("load_memory", lambda: loads.measure_load_memory(stack, plan, tmp))

        say("starting gql serve and the baseline app")
        gql = stack.gql_serve(main_table, variant)
        base = stack.baseline_serve(main_table)
        gql.wait_healthy()
        base.wait_healthy()
        measure.check_reading(gql, base, reading_key(plan))
        _server_figures(figures, stack, plan, tool, gql, base, main_table)
        figures.step(
            "scan_scale",
            lambda: scans.measure_scan_scale(
                stack,
                plan,
                figures["scan"],
                write_ndjson(tmp / "scale.ndjson", plan.scale_items),
            ),
        )
        figures.step("history", lambda: history.measure_stats(stack, plan.quick))
        figures.step("batch", lambda: measure_batch(stack, plan))
        for server in (gql, base):
            code = server.popen.poll()
            if code is not None:
                say(f"{server.name} exited with {code} during the run: see {server.stderr_path}")
        gql.stop()  # two more gql servers follow; the two cores are shared
        base.stop()
        figures.step("observability", lambda: measure_observability(stack, plan, tool, main_table))
        load_average.append(os.getloadavg())
        _depth_figures(figures, plan, log_dir, tmp)
        load_average.append(os.getloadavg())

    ordered = list(figures.values())
    meta = {
        "bench": "devices-graphql",
        "mode": ("quick" if plan.quick else "full") + (" + big" if plan.big else ""),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_start_end": [list(a) for a in load_average],
        },
        "load_tool": tool.describe(),
        "variant": variant or "none (gql as it is)",
        "gql_settings": gql_settings_in(env),
        "plan": {k: v for k, v in vars(plan).items()},
    }
    write_json(output, ordered, meta)
    print(table(ordered))
    averages = " -> ".join(" ".join(f"{v:.2f}" for v in a) for a in load_average)
    print(f"\nload average (1, 5, 15 min) at start -> end: {averages}")
    print(f"figures written to {output} ({meta['duration_s']} s)")
    return 0 if all(f.ratio is not None or f.skipped for f in ordered) else 1


def _server_figures(
    figures: Figures,
    stack: Stack,
    plan: Plan,
    tool: Any,
    gql: Server,
    base: Server,
    main_table: str,
) -> None:
    figures.step("latency", lambda: measure.measure_latency(stack, plan, gql, base, main_table))
    figures.step("throughput", lambda: measure.measure_throughput(plan, gql, base))
    figures.step("scan", lambda: scans.measure_scan(stack, plan, gql, main_table))
    figures.step("latest", lambda: latest.measure_latest(stack, plan, gql, main_table))
    figures.step("memory", lambda: measure.measure_memory(plan, tool, gql))

    def workers() -> Figure:
        two = stack.gql_serve(main_table, workers=2)
        two.wait_healthy()
        try:
            return measure.measure_workers(plan, gql, two)
        finally:
            two.stop(timeout=15)

    figures.step("workers", workers)


def _depth_figures(figures: Figures, plan: Plan, log_dir: Path, tmp: Path) -> None:
    """The history figures, each on a fresh DynamoDB Local of its own (bench/fresh_local.py)."""
    sizes = depth.QUICK if plan.quick else depth.BIG if plan.big else depth.FULL
    figures.step("depth_rebuild", lambda: depth.measure_depth(sizes, log_dir, tmp), DEPTH[1:])
    pace = lag.QUICK if plan.quick else lag.FULL
    figures.step("depth_lag_p50", lambda: lag.measure_lag(pace, log_dir), ("depth_lag_p99",))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and durations (smoke)")
    parser.add_argument(
        "--big",
        action="store_true",
        help="also the large sizes: a scan of 100,000 and a load of 1,000,000 (minutes more)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON figures")
    parser.add_argument(
        "--tool",
        choices=("auto", "autocannon", "wrk", "builtin"),
        default="auto",
        help="load tool for throughput and memory (default: autocannon, wrk, builtin)",
    )
    parser.add_argument(
        "--variant",
        help="serve and load with prototype patches from bench/variants.py (comma-separated)",
    )
    args = parser.parse_args(argv)
    endpoint = os.environ.get("DYNAMODB_LOCAL_URL")
    if not endpoint:
        return _reexec_in_netns(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    plan = QUICK if args.quick else FULL
    if args.big:
        plan = dataclasses.replace(plan, big=True)
    return run(plan, endpoint, args.output.resolve(), args.tool, args.variant)
