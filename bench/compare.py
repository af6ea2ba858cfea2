"""Before/after for candidate fast-path changes: `python -m bench.compare SPEC...`.

Each SPEC is a server variant: patches from bench/variants.py joined by "+", and/or GQL_*
settings, e.g. `none`, `no-wait-for`, `no-wait-for+param-validation`,
`none@GQL_MAX_WORKERS=8`. All variants serve one seeded table at once; the measurements go
round-robin over them (each round starting with the next variant, since the first slot
of a round measures slower), so each sees the same noise:

- `reading` p50 and p99 at one connection (bench.loadgen),
- `reading` requests/s at 50 connections, each request another key (bench.loadgen),
- `latestReading` of 20 devices, p50 at one connection,
- a full scan of the table through `scanReadings(first: 100)`, the median of repeated scans
  (what each field of a long page costs).

Prints a table with each figure as a ratio to the first SPEC and writes
bench/results/compare.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import plan as plans
from bench.load import Builtin, Request
from bench.loads import readings, write_readings
from bench.plan import (
    device_id,
    latest_document,
    reading_key,
    reading_keys,
    reading_request,
    reading_requests,
    say,
)
from bench.scans import graphql_scan
from bench.stack import REPO, Server, Stack, free_port

OUTPUT = REPO / "bench" / "results" / "compare.json"


def native_modules(pid: int) -> list[str]:
    """Which of uvloop, httptools and orjson the process has loaded (from /proc/PID/maps)."""
    maps = Path(f"/proc/{pid}/maps").read_text(encoding="utf-8", errors="replace")
    return [name for name in ("uvloop", "httptools", "orjson") if f"/{name}/" in maps]


def start_variant(stack: Stack, spec: str, table: str) -> Server:
    patches, _, settings = spec.partition("@")
    env_overrides = dict(item.split("=", 1) for item in filter(None, settings.split(";")))
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bench.variants",
        patches.replace("+", ","),
        "--",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    name = "variant-" + "".join(c if c.isalnum() else "_" for c in spec)
    server = Server(name, command, {**stack.env(table), **env_overrides}, stack.log_dir, port)
    stack.processes.append(server)
    return server


def timed_scans(url: str, seconds: float) -> list[float]:
    """Milliseconds of each full scan made in `seconds` (at least three)."""
    took: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(took) < 3 or time.perf_counter() < deadline:
        started = time.perf_counter()
        graphql_scan(url)
        took.append((time.perf_counter() - started) * 1000)
    return took


def compare_loads(specs: list[str], items: int, rounds: int, endpoint: str, output: Path) -> int:
    """Seconds of `gql load` of `items` readings into a fresh table, per variant."""
    seconds: dict[str, list[float]] = {spec: [] for spec in specs}
    output = output.resolve()
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        Stack(endpoint, output.parent / "logs") as stack,
    ):
        data = write_readings(Path(tmp) / "readings.json", readings(items // 100, 100))
        for round_number in range(rounds):
            for spec in specs:
                patches, _, settings = spec.partition("@")
                table = stack.create_table("load")
                env = {
                    **stack.env(table),
                    **dict(item.split("=", 1) for item in filter(None, settings.split(";"))),
                }
                command = [
                    sys.executable,
                    "-m",
                    "bench.variants",
                    patches.replace("+", ","),
                    "--",
                    "load",
                    str(data),
                ]
                started = time.perf_counter()
                subprocess.run(
                    command, env=env, cwd=REPO, check=True, capture_output=True, timeout=600
                )
                seconds[spec].append(time.perf_counter() - started)
                say(f"round {round_number + 1}/{rounds}: {spec}: {seconds[spec][-1]:.2f} s")
                stack.client.delete_table(TableName=table)
    first = statistics.median(seconds[specs[0]])
    for spec, values in seconds.items():
        median = statistics.median(values)
        print(f"{spec:48} gql load of {items}: {median:7.2f} s  {first / median:5.2f}x faster")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_name("compare-load.json").write_text(
        json.dumps({"items": items, "seconds": seconds}, indent=2) + "\n", encoding="utf-8"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("specs", nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--load-items",
        type=int,
        default=0,
        help="instead of serving: time `gql load` of this many readings per variant",
    )
    args = parser.parse_args(argv)
    endpoint = os.environ.get("DYNAMODB_LOCAL_URL")
    if not endpoint:
        if os.environ.get("BENCH_NETNS_TRIED"):
            say("DynamoDB Local is not available (see python -m bench)")
            return 2
        script = str(REPO / "scripts" / "in-netns")
        env = dict(os.environ, BENCH_NETNS_TRIED="1", PYTHONPATH=str(REPO))
        command = [script, sys.executable, "-m", "bench.compare", *sys.argv[1:]]
        os.execve(script, command, env)  # noqa: S606
    assert endpoint is not None
    if args.load_items:
        return compare_loads(args.specs, args.load_items, args.rounds, endpoint, args.output)
    tool = Builtin()  # cycles through many keys under load, which the others cannot
    builtin = Builtin()
    plan = plans.QUICK
    key = reading_key(plan)
    latest = json.dumps(
        {"query": latest_document([device_id(i) for i in range(plan.latest_devices)])}
    )
    results: dict[str, dict[str, list[float]]] = {
        spec: {"p50_ms": [], "p99_ms": [], "rps": [], "latest20_p50_ms": [], "scan_ms": []}
        for spec in args.specs
    }
    output = args.output.resolve()
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        Stack(endpoint, output.parent / "logs") as stack,
    ):
        (output.parent / "logs").mkdir(parents=True, exist_ok=True)
        table = stack.create_table("compare")
        env = stack.env(table)
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        data = write_readings(Path(tmp) / "readings.json", readings(plan.devices, plan.per_device))
        stack.gql("load", data, table=table)
        servers = {spec: start_variant(stack, spec, table) for spec in args.specs}
        for server in servers.values():
            server.wait_healthy()
        for spec, server in servers.items():
            say(f"{spec}: {server.stdout_path.read_text(encoding='utf-8').splitlines()[:1]}")
            say(f"  native modules loaded: {', '.join(native_modules(server.pid)) or 'none'}")
        for round_number in range(args.rounds):
            # Each round starts with a different variant: the first slot measures slower.
            shift = round_number % len(args.specs)
            for spec in [*args.specs[shift:], *args.specs[:shift]]:
                server = servers[spec]
                say(f"round {round_number + 1}/{args.rounds}: {spec}")
                request = reading_request(server.url, key)
                one = builtin.run(request, 1, args.seconds, 0.5)
                # Under load each request asks for another reading (see bench.measure).
                varied = reading_requests(server.url, reading_keys(plan))
                many = builtin.run(varied, args.connections, args.seconds, 1.0)
                fan = builtin.run(Request(f"{server.url}/graphql", latest), 1, args.seconds, 0.5)
                scans = timed_scans(server.url, args.seconds)
                for report in (one, many, fan):
                    if report.errors or report.non2xx or not report.requests:
                        say(f"  warning: {report}")
                results[spec]["p50_ms"].append(one.p50_ms)
                results[spec]["p99_ms"].append(one.p99_ms)
                results[spec]["rps"].append(many.rps)
                results[spec]["latest20_p50_ms"].append(fan.p50_ms)
                results[spec]["scan_ms"].append(statistics.median(scans))
    summary: dict[str, dict[str, float]] = {
        spec: {
            "p50_ms": statistics.median(r["p50_ms"]),
            "p99_ms": statistics.median(r["p99_ms"]),
            "rps": statistics.fmean(r["rps"]),
            "latest20_p50_ms": statistics.median(r["latest20_p50_ms"]),
            "scan_ms": statistics.median(r["scan_ms"]),
        }
        for spec, r in results.items()
    }
    first = summary[args.specs[0]]
    lines = [
        f"{'variant':48} {'reading p50':>12} {'p99':>9} {'req/s c=' + str(args.connections):>12}"
        f" {'latest20 p50':>13} {'scan':>10}"
    ]
    for spec, s in summary.items():
        lines.append(
            f"{spec:48} {s['p50_ms']:8.2f} ms {s['p99_ms']:6.1f} ms {s['rps']:12.0f}"
            f" {s['latest20_p50_ms']:9.2f} ms {s['scan_ms']:7.1f} ms"
        )
        lines.append(
            f"{'  vs ' + args.specs[0]:48} {s['p50_ms'] / first['p50_ms']:11.2f}x"
            f" {s['p99_ms'] / first['p99_ms']:8.2f}x {s['rps'] / first['rps']:11.2f}x"
            f" {s['latest20_p50_ms'] / first['latest20_p50_ms']:12.2f}x"
            f" {s['scan_ms'] / first['scan_ms']:9.2f}x"
        )
    print("\n".join(lines))
    document: dict[str, Any] = {
        "tool": tool.describe(),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "connections": args.connections,
        "summary": summary,
        "rounds_detail": results,
        "load_average": list(os.getloadavg()),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
