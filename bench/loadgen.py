"""A small HTTP/1.1 load generator, run as its own process: `python -m bench.loadgen ...`.

The bench uses it for latency at one connection, where it needs microsecond precision
(autocannon's histogram keeps whole milliseconds), and for every load when neither autocannon
nor wrk is installed. Each connection is kept alive and sends its next request as soon as
the previous answer is read (closed loop). Prints one JSON object (see `LoadReport`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit


@dataclass
class Counts:
    latencies_ns: list[int] = field(default_factory=list)
    non2xx: int = 0
    errors: int = 0
    mismatches: int = 0


@dataclass
class LoadReport:
    tool: str
    connections: int
    duration_s: float
    requests: int  # 2xx answers, counted after the warm-up
    non2xx: int
    errors: int  # connection errors and answers without the expected text
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


def percentile(sorted_values: list[int], q: float) -> float:
    """The q-quantile (0..1) of sorted values, nearest rank; 0 for no values."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values) + 0.5) - 1))
    return float(sorted_values[index])


def build_request(url: str, method: str, body: bytes, headers: list[tuple[str, str]]) -> bytes:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"{method} {path} HTTP/1.1", f"host: {parts.netloc}", "connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body or method != "GET":
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    length = None
    for line in header_lines:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            raise RuntimeError("chunked responses are not supported")
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _connection(
    host: str,
    port: int,
    requests: list[bytes],
    expect: bytes | None,
    record_from: float,
    until: float,
    counts: Counts,
) -> None:
    turn = 0
    while time.perf_counter() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            counts.errors += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while (started := time.perf_counter()) < until:
                request = requests[turn % len(requests)]
                turn += 1
                t0 = time.perf_counter_ns()
                writer.write(request)
                status, body = await _read_response(reader)
                elapsed = time.perf_counter_ns() - t0
                if started < record_from:
                    continue
                if not 200 <= status < 300:
                    counts.non2xx += 1
                elif expect is not None and expect not in body:
                    counts.mismatches += 1
                else:
                    counts.latencies_ns.append(elapsed)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            counts.errors += 1
        finally:
            writer.close()


async def run(
    url: str,
    *,
    method: str,
    body: bytes,
    headers: list[tuple[str, str]],
    connections: int,
    duration: float,
    warmup: float,
    expect: bytes | None,
    bodies: list[bytes] | None = None,
) -> LoadReport:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    requests = [build_request(url, method, b, headers) for b in (bodies or [body])]
    counts = Counts()
    start = time.perf_counter()
    record_from = start + warmup
    until = record_from + duration
    # Each connection starts at its own offset: concurrent requests ask for different bodies.
    step = max(1, len(requests) // max(1, connections))
    tasks = [
        _connection(
            host,
            port,
            requests[i * step :] + requests[: i * step],
            expect,
            record_from,
            until,
            counts,
        )
        for i in range(connections)
    ]
    await asyncio.gather(*tasks)
    measured = max(time.perf_counter() - record_from, 1e-9)
    values = sorted(counts.latencies_ns)
    ms = 1e-6
    return LoadReport(
        tool="builtin",
        connections=connections,
        duration_s=round(measured, 3),
        requests=len(values),
        non2xx=counts.non2xx,
        errors=counts.errors + counts.mismatches,
        rps=len(values) / measured,
        p50_ms=percentile(values, 0.50) * ms,
        p90_ms=percentile(values, 0.90) * ms,
        p99_ms=percentile(values, 0.99) * ms,
        mean_ms=(sum(values) / len(values) * ms) if values else 0.0,
        max_ms=(values[-1] * ms) if values else 0.0,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=1)
    parser.add_argument("-d", "--duration", type=float, default=5.0, help="seconds measured")
    parser.add_argument("-w", "--warmup", type=float, default=0.0, help="seconds not measured")
    parser.add_argument("-m", "--method", default="GET")
    parser.add_argument("-b", "--body", default="", help="request body (text)")
    parser.add_argument("-H", "--header", action="append", default=[], help="NAME: VALUE")
    parser.add_argument("--expect", help="text every 2xx answer must contain")
    parser.add_argument("--bodies", help="a JSON array of bodies to cycle through (not -b)")
    args = parser.parse_args(argv)
    bodies = None
    if args.bodies:
        with open(args.bodies, encoding="utf-8") as file:
            bodies = [b.encode() for b in json.load(file)]
    headers = []
    for header in args.header:
        name, _, value = header.partition(":")
        headers.append((name.strip(), value.strip()))
    coroutine = run(
        args.url,
        method=args.method.upper(),
        body=args.body.encode(),
        headers=headers,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
        expect=args.expect.encode() if args.expect else None,
        bodies=bodies,
    )
    try:
        import uvloop  # a faster loop keeps the client's own overhead small
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        report = asyncio.run(coroutine)
    else:
        report = uvloop.run(coroutine)
    json.dump(asdict(report), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
