"""`python -m bench [--quick]`: the benchmark, end to end.

Starts DynamoDB Local in a private network namespace (scripts/in-netns, as the tests do) unless
DYNAMODB_LOCAL_URL already names one, creates a table with `gql table create --wait`, seeds it
with `gql load` of a generated file, starts `gql serve` and the plain Starlette baseline
(bench/baseline_app.py), runs the measurements (bench/measure.py, bench/observability.py),
prints a table and writes the figures as JSON (bench/results/latest.json unless --output says
otherwise). Figures are never asserted:
the exit status is 0 when all were measured, whatever they are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
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

from bench import measure
from bench.load import find_tool
from bench.measure import FULL, QUICK, Plan, say
from bench.observability import measure_observability
from bench.report import Figure, GoalOp, table, write_json
from bench.stack import REPO, Server, Stack, gql_settings_in

DEFAULT_OUTPUT = REPO / "bench" / "results" / "latest.json"
TEMPERATURES = ("temperature1", "temperature2", "temperature3", "temperature4", "temperature5")


def readings(devices: int, per_device: int, *, prefix: str = "dev", seed: int = 7) -> list[Any]:
    """Readings in the tutorial's data.json format: `devices` devices, datacount 1..per_device."""
    rng = random.Random(seed)
    return [
        {
            "device_id": f"{prefix}-{d:04d}",
            "datacount": n,
            "info": {
                "info_timestamp": str(1612519200 + 1800 * n),
                **{name: round(rng.uniform(10, 40), 2) for name in TEMPERATURES},
            },
        }
        for d in range(devices)
        for n in range(1, per_device + 1)
    ]


def write_readings(path: Path, items: list[Any]) -> Path:
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


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


def _guarded(name: str, figure: Figure, run: Callable[[], Figure]) -> Figure:
    try:
        return run()
    except Exception as exc:
        say(f"{name} failed: {exc}")
        traceback.print_exc(file=sys.stderr)
        figure.error = f"{type(exc).__name__}: {str(exc)[:500]}"
        return figure


def _placeholder(key: str, title: str, op: GoalOp, goal: float) -> Figure:
    return Figure(key, title, op, goal)


def run(plan: Plan, endpoint: str, output: Path, tool_name: str, variant: str | None) -> int:
    started = time.monotonic()
    tool = find_tool(tool_name)
    log_dir = output.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Figure] = {
        "latency": _placeholder("latency", "latency: reading p50", "<=", 1.15),
        "throughput": _placeholder("throughput", "throughput: reading", ">=", 0.85),
        "scan": _placeholder("scan", "scan via scanReadings", "<=", 1.2),
        "load": _placeholder("load", "gql load vs put_item each", ">=", 8.0),
        "latest": _placeholder("latest", "latestReading of 20 devices vs 1", "<=", 3.0),
        "memory": _placeholder("memory", "server RSS under load (end / start)", "<=", 1.10),
        "observability": _placeholder(
            "observability", "metrics + request log on vs off", ">=", 0.95
        ),
    }
    say(f"{'quick' if plan.quick else 'full'} run; load tool: {tool.describe()}")
    if variant:
        say(f"PROTOTYPE run: gql with the patches {variant} of bench/variants.py")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, Stack(endpoint, log_dir) as stack:
        main_table = stack.table_name("devices")
        env = stack.env(main_table)
        # The bench's own boto3 clients (the raw baselines) use the same credentials.
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        data_file = write_readings(
            Path(tmp) / "readings.json", readings(plan.devices, plan.per_device)
        )
        warmup_file = None
        if plan.warmup_items:
            warmup_file = write_readings(
                Path(tmp) / "warmup.json",
                readings(plan.warmup_items // 100, 100, prefix="warm"),
            )
        say(f"gql table create --wait ({main_table} on {endpoint})")
        stack.gql("table", "create", "--wait", table=main_table)
        figures["load"] = _guarded(
            "load",
            figures["load"],
            lambda: measure.measure_load(stack, plan, main_table, data_file, warmup_file, variant),
        )
        if figures["load"].error is not None:  # nothing else can run on an empty table
            stack.gql("load", data_file, table=main_table, timeout=600)

        say("starting gql serve and the baseline app")
        gql = stack.gql_serve(main_table, variant)
        base = stack.baseline_serve(main_table)
        gql.wait_healthy()
        base.wait_healthy()
        measure.check_reading(gql, base, measure.reading_key(plan))
        _run_server_figures(figures, stack, plan, tool, gql, base, main_table)
        for server in (gql, base):
            code = server.popen.poll()
            if code is not None:
                say(f"{server.name} exited with {code} during the run: see {server.stderr_path}")
        gql.stop()  # two more gql servers follow; the two cores are shared
        base.stop()
        figures["observability"] = _guarded(
            "observability",
            figures["observability"],
            lambda: measure_observability(stack, plan, tool, main_table),
        )

    keys = ("latency", "throughput", "scan", "load", "latest", "memory", "observability")
    ordered = [figures[k] for k in keys]
    meta = {
        "bench": "devices-graphql",
        "mode": "quick" if plan.quick else "full",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": list(os.getloadavg()),
        },
        "load_tool": tool.describe(),
        "variant": variant or "none (gql as it is)",
        "gql_settings": gql_settings_in(env),
        "plan": {k: v for k, v in vars(plan).items()},
    }
    write_json(output, ordered, meta)
    print(table(ordered))
    print(f"\nfigures written to {output} ({meta['duration_s']} s)")
    return 0 if all(f.ratio is not None for f in ordered) else 1


def _run_server_figures(
    figures: dict[str, Figure],
    stack: Stack,
    plan: Plan,
    tool: Any,
    gql: Server,
    base: Server,
    main_table: str,
) -> None:
    figures["latency"] = _guarded(
        "latency",
        figures["latency"],
        lambda: measure.measure_latency(stack, plan, gql, base, main_table),
    )
    figures["throughput"] = _guarded(
        "throughput",
        figures["throughput"],
        lambda: measure.measure_throughput(plan, tool, gql, base),
    )
    figures["scan"] = _guarded(
        "scan", figures["scan"], lambda: measure.measure_scan(stack, plan, gql, main_table)
    )
    figures["latest"] = _guarded(
        "latest", figures["latest"], lambda: measure.measure_latest(plan, gql)
    )
    figures["memory"] = _guarded(
        "memory", figures["memory"], lambda: measure.measure_memory(plan, tool, gql)
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and durations (smoke)")
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
    return run(plan, endpoint, args.output.resolve(), args.tool, args.variant)
