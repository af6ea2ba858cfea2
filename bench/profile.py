"""Where a request's time goes: `python -m bench.profile [--variant PATCHES] [--query reading]`.

Serves a small seeded table (through bench/variants.py, "none" = `gql serve` as it is), puts
it under load from bench.loadgen, and samples the server with py-spy (`pip install py-spy`):
`--gil` (the default) samples only the thread holding the GIL, i.e. the server's CPU time,
which is what limits one process. Writes the raw stacks (bench/results/profile-*.txt, for
flame graphs) and prints the share of samples per part of the request path.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench.compare import start_variant
from bench.load import Builtin, Request
from bench.loadgen import LoadReport
from bench.loads import readings, write_readings
from bench.plan import (
    QUICK,
    SCAN_QUERY,
    device_id,
    latest_document,
    reading_key,
    reading_request,
    say,
)
from bench.stack import REPO, Stack

RESULTS = REPO / "bench" / "results"

# A sample belongs to the first category any of its frames matches (checked in this order).
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("store thread: gql store + codec", ("_WorkItem.run;ReadingStore", "codec.py")),
    ("store thread: other", ("_WorkItem.run",)),
    ("extension set-up per request", ("Schema.get_extensions", "create_validator")),
    ("GraphQL validation", ("validate_document", "graphql/validation/")),
    ("GraphQL parse", ("graphql/language/parser", "graphql/language/lexer")),
    ("thread-pool hop (submit, wait_for, wake-up)", ("run_in_executor", "wait_for", "Context.run")),
    ("GraphQL execution + resolvers", ("graphql/execution/", "strawberry/types/fields/resolver")),
    ("request/response JSON", ("decode_json", "encode_json", "json/", "orjson")),
    ("strawberry view + extensions", ("strawberry/",)),
    ("starlette + gql middleware", ("starlette/", "gql/web/http.py")),
    ("uvicorn + httptools", ("uvicorn/",)),
]


def categorize(raw: str) -> tuple[int, collections.Counter[str], collections.Counter[str]]:
    """(samples, samples per category, self samples per function) of py-spy's raw output."""
    total = 0
    categories: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        category = next(
            (name for name, marks in CATEGORIES if any(m in stack for m in marks)),
            "event loop / other",
        )
        categories[category] += n
        leaves[re.sub(r":\d+\)$", ")", stack.rsplit(";", 1)[-1])] += n
    return total, categories, leaves


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--variant", default="none", help="patches, as for bench.compare")
    parser.add_argument("--query", choices=("reading", "latest", "scan"), default="reading")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--all-threads", action="store_true", help="not only the GIL holder")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        say("py-spy is not installed: .venv/bin/pip install py-spy")
        return 2
    endpoint = os.environ.get("DYNAMODB_LOCAL_URL")
    if not endpoint:
        if os.environ.get("BENCH_NETNS_TRIED"):
            say("DynamoDB Local is not available (see python -m bench)")
            return 2
        script = str(REPO / "scripts" / "in-netns")
        env = dict(os.environ, BENCH_NETNS_TRIED="1", PYTHONPATH=str(REPO))
        os.execve(script, [script, sys.executable, "-m", "bench.profile", *sys.argv[1:]], env)  # noqa: S606
    assert endpoint is not None
    plan = QUICK
    name = f"profile-{args.query}-c{args.connections}-{args.variant.replace('+', '_')}"
    out = RESULTS / f"{name}.txt"
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        Stack(endpoint, RESULTS / "logs") as stack,
    ):
        (RESULTS / "logs").mkdir(parents=True, exist_ok=True)
        table = stack.create_table("profile")
        env = stack.env(table)
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        stack.gql("load", write_readings(Path(tmp) / "r.json", readings(20, 5)), table=table)
        server = start_variant(stack, args.variant, table)
        server.wait_healthy()
        if args.query == "reading":
            request = reading_request(server.url, reading_key(plan))
        elif args.query == "scan":  # the first page of 100 (the table holds 100 readings)
            request = Request(f"{server.url}/graphql", json.dumps({"query": SCAN_QUERY}))
        else:
            document = latest_document([device_id(i) for i in range(plan.latest_devices)])
            request = Request(f"{server.url}/graphql", json.dumps({"query": document}))
        builtin = Builtin()
        builtin.run(request, args.connections, 2.0, 0.0)  # warm
        report: list[LoadReport] = []
        loader = threading.Thread(
            target=lambda: report.append(
                builtin.run(request, args.connections, args.seconds + 2.0, 0.0)
            )
        )
        loader.start()
        command = [
            py_spy,
            "record",
            "--pid",
            str(server.pid),
            "--duration",
            str(args.seconds),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "-o",
            str(out),
        ]
        if not args.all_threads:
            command.append("--gil")
        subprocess.run(command, capture_output=True, check=True, timeout=args.seconds + 60)
        loader.join(timeout=args.seconds + 60)
    total, categories, leaves = categorize(out.read_text(encoding="utf-8"))
    if report:
        load = report[0]
        print(f"load: {load.rps:.0f} req/s, p50 {load.p50_ms:.2f} ms at c={args.connections}")
    print(f"{total} samples ({'all threads' if args.all_threads else 'GIL holder'}) -> {out}")
    for category, n in categories.most_common():
        print(f"  {n / total * 100:5.1f}%  {category}")
    print("top functions by own samples:")
    for function, n in leaves.most_common(12):
        print(f"  {n / total * 100:5.1f}%  {function}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
