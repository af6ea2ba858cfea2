"""How slow this machine is, measured once at the start of the run, and waits scaled by it.

A test that waits for something it expects (a server to start, a change to arrive, a command
to finish) waits `patient(seconds)`: `seconds` is what a quiet developer machine needs with
room to spare, and the factor stretches it on a slower or busier machine, so that no test
fails on time alone. Waits for something that must NOT happen ("nothing arrives within
0.3 s") stay as they are: a slow machine can only make them pass, never fail.

SPEED_FACTOR is the larger of two ratios against a quiet reference machine (2 cores):
- a DynamoDB Local round trip (ListTables, after a warm-up), when it runs;
- a fixed piece of pure-Python work (the speed of the test process itself, and of moto);
each the best of a few medians, so that a moment's hiccup does not count as the machine.
It is at least 1 (a faster machine keeps the waits) and at most MAX_FACTOR. The first pytest
process measures it and exports it as TEST_SPEED_FACTOR, so pytest-xdist workers and
subprocesses reuse the figure; set TEST_SPEED_FACTOR yourself to skip the measurement.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import time
from urllib.parse import urlsplit

ENV = "TEST_SPEED_FACTOR"
MAX_FACTOR = 20.0
# A quiet 2-core machine of the kind CI runs on, with some room: there a fresh DynamoDB Local
# (as `make test` starts it) answered in 0.5-1.0 ms, and the CPU work took 23-25 ms.
REFERENCE_ROUND_TRIP_S = 0.0012
REFERENCE_CPU_S = 0.030


def _round_trip(url: str) -> float:
    """Seconds of a ListTables on DynamoDB Local at `url` (one kept-alive connection, as boto3
    keeps one), after a warm-up."""
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        # DynamoDB Local wants an AWS-style Authorization header but checks no signature.
        "Authorization": "AWS4-HMAC-SHA256 Credential=speed/20200101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host, Signature=0",
    }
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)

    def once() -> float:
        started = time.perf_counter()
        connection.request("POST", "/", body=b"{}", headers=headers)
        connection.getresponse().read()
        return time.perf_counter() - started

    try:
        for _ in range(100):  # a fresh JVM answers its first calls slowly
            once()
        # The best of a few medians: a busy moment of the machine is not its speed.
        return min(statistics.median(once() for _ in range(20)) for _ in range(5))
    finally:
        connection.close()


def _cpu() -> float:
    """Seconds of a fixed piece of pure-Python work (JSON, dicts, string formatting)."""

    def once() -> float:
        started = time.perf_counter()
        for n in range(300):
            items = [{"device_id": f"d{n}", "datacount": i, "t": i * 0.5} for i in range(40)]
            json.loads(json.dumps(items))
        return time.perf_counter() - started

    return min(statistics.median(once() for _ in range(3)) for _ in range(3))


def measure(local_url: str | None) -> tuple[float, str]:
    """(factor, how it was found), measured now."""
    cpu = _cpu()
    ratios = {"CPU": cpu / REFERENCE_CPU_S}
    detail = f"CPU work {cpu * 1000:.0f} ms (reference {REFERENCE_CPU_S * 1000:.0f} ms)"
    if local_url:
        trip = _round_trip(local_url)
        ratios["DynamoDB Local"] = trip / REFERENCE_ROUND_TRIP_S
        detail += (
            f", DynamoDB Local round trip {trip * 1000:.1f} ms "
            f"(reference {REFERENCE_ROUND_TRIP_S * 1000:.1f} ms)"
        )
    factor = min(MAX_FACTOR, max(1.0, *ratios.values()))
    return round(factor, 2), detail


def speed_factor() -> float:
    """The factor exported by the run (1 when nothing measured it: a run without conftest)."""
    try:
        return max(1.0, min(MAX_FACTOR, float(os.environ.get(ENV, "1"))))
    except ValueError:
        return 1.0


def patient(seconds: float) -> float:
    """How long to wait for something expected that takes `seconds` at most on a quiet
    reference machine, with room to spare: `seconds` times the speed factor."""
    return seconds * speed_factor()
