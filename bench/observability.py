"""The per-request cost of metrics and the request log: `reading` requests/s with them on
(as in production: /metrics recording, one JSON log line per request) against the same
server with both off (GQL_METRICS=false GQL_REQUEST_LOG=false), in alternating rounds.
Tracing is left out: it is off unless OTEL_* asks for it, and then its cost is the exporter's.
"""

from __future__ import annotations

import statistics

from bench.load import Tool
from bench.loadgen import LoadReport
from bench.plan import Plan, in_turn, reading_key, reading_request, say
from bench.report import Figure
from bench.stack import GQL, Server, Stack, free_port

GOAL = 0.95  # within 5%
SETTINGS = {
    "on": {"GQL_METRICS": "true", "GQL_REQUEST_LOG": "true", "GQL_LOG_FORMAT": "json"},
    "off": {"GQL_METRICS": "false", "GQL_REQUEST_LOG": "false"},
}


def start(stack: Stack, table: str, which: str) -> Server:
    port = free_port()
    command = [str(GQL), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = {**stack.env(table), **SETTINGS[which]}
    server = Server(f"gql-serve-observability-{which}", command, env, stack.log_dir, port)
    stack.processes.append(server)  # stopped with the stack, whatever happens here
    return server


def measure_observability(stack: Stack, plan: Plan, tool: Tool, table: str) -> Figure:
    c = plan.connections
    figure = Figure(
        "observability",
        f"metrics + JSON request log on vs off: reading at {c} connections",
        ">=",
        GOAL,
    )
    servers = {which: start(stack, table, which) for which in SETTINGS}
    for server in servers.values():
        server.wait_healthy()
    key = reading_key(plan)
    runs: dict[str, list[LoadReport]] = {which: [] for which in servers}
    try:
        for round_number in range(plan.throughput_rounds):
            say(f"observability round {round_number + 1}/{plan.throughput_rounds} (c={c})")
            for which, server in in_turn(servers, round_number):
                request = reading_request(server.url, key)
                runs[which].append(
                    tool.run(request, c, plan.throughput_s, plan.throughput_warmup_s)
                )
    finally:
        for server in servers.values():
            server.stop()
    rps = {which: statistics.fmean(r.rps for r in reports) for which, reports in runs.items()}
    figure.ratio = rps["on"] / rps["off"] if rps["off"] > 0 else None
    figure.summary = f"{rps['on']:.0f} with vs {rps['off']:.0f} without requests/s"
    figure.detail = {
        "rps": {k: round(v, 1) for k, v in rps.items()},
        "errors": {k: sum(r.errors for r in reports) for k, reports in runs.items()},
        "settings": SETTINGS,
        "connections": c,
        "seconds_per_run": plan.throughput_s,
        "tool": tool.describe(),
    }
    return figure
