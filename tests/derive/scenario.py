"""A seeded random history of changes, made through the API and with plain boto3, and the
figures a full scan of the table says every query must answer.

Each device belongs to one writer thread, which keeps its own picture of the device's readings
only to choose what to change next; expected answers come from a scan at the end, never from
that picture. The kinds of change are those the issue names: inserts through the API and
through boto3 with the tutorial's string temperatures, updates that move a reading to another
period, deletes of a 5-minute period's minimum and maximum, late readings (old timestamps
written now), and a few timestamps that are not times.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import httpx

from gql.models import TEMPERATURES, Reading
from tests.derive.recording import scan
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BASE = 1_795_000_000  # 2026-11-18T...: "now" of the scenario; readings spread over 12 days
DAY = 86_400
PUT = """mutation ($r: ReadingInput!) { putReading(reading: $r) { __typename } }"""
PUTS = """mutation ($r: [ReadingInput!]!) { putReadings(readings: $r) { written } }"""
MOVE = """mutation ($d: ID!, $c: Int!, $i: ReadingInfoPatch!) {
  updateReading(deviceId: $d, datacount: $c, info: $i) { __typename } }"""
DELETE = """mutation ($d: ID!, $c: Int!) {
  deleteReadingIf(deviceId: $d, datacount: $c, condition: {infoTimestamp: {exists: true}}) {
    __typename } }"""


@dataclass
class Device:
    name: str
    readings: dict[int, tuple[str, dict[str, str]]] = field(default_factory=dict)
    next: int = 1


class Scenario:
    def __init__(
        self,
        *,
        url: str,
        client: DynamoDBClient,
        table: str,
        seed: int,
        devices: int = 24,
        changes: int = 5000,
    ) -> None:
        self.url = url
        self.client = client
        self.table = table
        self.seed = seed
        self.devices = [Device(f"dev-{n:02d}") for n in range(devices)]
        self.changes = changes
        self.done = 0
        self.kinds: dict[str, int] = {}
        self._lock = threading.Lock()

    def run(self, threads: int = 8, every: Callable[[int], None] | None = None) -> None:
        """Make the changes, `threads` writers at once; `every(done)` after each change."""
        groups = [self.devices[i::threads] for i in range(threads)]
        per = self.changes // threads
        counts = [per + (1 if i < self.changes % threads else 0) for i in range(threads)]
        with ThreadPoolExecutor(threads) as pool:
            jobs = [
                pool.submit(self._writer, i, group, count, every)
                for i, (group, count) in enumerate(zip(groups, counts, strict=True))
            ]
            for job in jobs:
                job.result()

    # -- one writer --------------------------------------------------------------------------

    def _writer(
        self, n: int, devices: list[Device], count: int, every: Callable[[int], None] | None
    ) -> None:
        rng = random.Random(self.seed * 1000 + n)
        with httpx.Client(base_url=self.url, timeout=patient(60)) as http:
            for _ in range(count):
                device = rng.choice(devices)
                kind = self._change(rng, http, device)
                with self._lock:
                    self.done += 1
                    self.kinds[kind] = self.kinds.get(kind, 0) + 1
                    done = self.done
                if every is not None:
                    every(done)

    def _change(self, rng: random.Random, http: httpx.Client, device: Device) -> str:
        roll = rng.random()
        if len(device.readings) < 5 or roll < 0.40:
            return self._insert(rng, http, device, late=False)
        if roll < 0.50:
            return self._insert(rng, http, device, late=True)
        if roll < 0.62:
            return self._move(rng, http, device)
        if roll < 0.70:
            return self._rewrite(rng, device)
        if roll < 0.85:
            return self._delete_extreme(rng, http, device)
        if roll < 0.88:
            return self._batch(rng, http, device)
        return self._insert(rng, http, device, late=False, untimed=rng.random() < 0.3)

    def _stamp(self, rng: random.Random, *, late: bool = False) -> str:
        if late:
            seconds = BASE - rng.randrange(30 * DAY, 400 * DAY)
        else:
            seconds = BASE + rng.randrange(0, 12 * DAY)
        return f"{seconds}.{rng.randrange(100):02d}" if rng.random() < 0.15 else str(seconds)

    def _temperatures(self, rng: random.Random) -> dict[str, str]:
        return {
            name: str(Decimal(rng.randrange(-4000, 6000)) / 100)
            for name in TEMPERATURES
            if rng.random() < 0.8
        }

    def _insert(
        self,
        rng: random.Random,
        http: httpx.Client,
        device: Device,
        *,
        late: bool,
        untimed: bool = False,
    ) -> str:
        stamp = "n/a" if untimed else self._stamp(rng, late=late)
        temperatures = self._temperatures(rng)
        datacount = device.next
        device.next += 1
        device.readings[datacount] = (stamp, temperatures)
        if rng.random() < 0.5:
            self._tutorial_put(device.name, datacount, stamp, temperatures)
            return "late boto3 insert" if late else "boto3 insert"
        reading = _input(device.name, datacount, stamp, temperatures)
        _graphql(http, PUT, {"r": reading})
        return "late api insert" if late else "api insert"

    def _tutorial_put(self, name: str, datacount: int, stamp: str, temps: dict[str, str]) -> None:
        info: dict[str, Any] = {"info_timestamp": {"S": stamp}}
        info.update({k: {"S": v} for k, v in temps.items()})  # strings, as create_item.py
        self.client.put_item(
            TableName=self.table,
            Item={
                "device_id": {"S": name},
                "datacount": {"N": str(datacount)},
                "info": {"M": info},
            },
        )

    def _move(self, rng: random.Random, http: httpx.Client, device: Device) -> str:
        datacount = rng.choice(list(device.readings))
        _, temperatures = device.readings[datacount]
        stamp = self._stamp(rng, late=rng.random() < 0.2)
        device.readings[datacount] = (stamp, temperatures)
        variables = {"d": device.name, "c": datacount, "i": {"infoTimestamp": stamp}}
        _graphql(http, MOVE, variables)
        return "api move"

    def _rewrite(self, rng: random.Random, device: Device) -> str:
        datacount = rng.choice(list(device.readings))
        stamp, temperatures = self._stamp(rng), self._temperatures(rng)
        device.readings[datacount] = (stamp, temperatures)
        self._tutorial_put(device.name, datacount, stamp, temperatures)
        return "boto3 rewrite"

    def _delete_extreme(self, rng: random.Random, http: httpx.Client, device: Device) -> str:
        # The minimum or maximum temperature1 of the 5-minute period of a random reading.
        chosen = rng.choice(list(device.readings))
        period = _five(device.readings[chosen][0])
        mates = [
            (Decimal(t["temperature1"]), c)
            for c, (s, t) in device.readings.items()
            if _five(s) == period and "temperature1" in t
        ]
        if mates:
            chosen = (min(mates) if rng.random() < 0.5 else max(mates))[1]
        del device.readings[chosen]
        if rng.random() < 0.5:
            _graphql(http, DELETE, {"d": device.name, "c": chosen})
            return "api delete of an extreme"
        key = {"device_id": {"S": device.name}, "datacount": {"N": str(chosen)}}
        self.client.delete_item(TableName=self.table, Key=key)
        return "boto3 delete of an extreme"

    def _batch(self, rng: random.Random, http: httpx.Client, device: Device) -> str:
        readings = []
        for _ in range(rng.randrange(5, 20)):
            stamp, temperatures = self._stamp(rng), self._temperatures(rng)
            device.readings[device.next] = (stamp, temperatures)
            readings.append(_input(device.name, device.next, stamp, temperatures))
            device.next += 1
        _graphql(http, PUTS, {"r": readings})
        return "api batch"


def _five(stamp: str) -> int | None:
    try:
        return int(Decimal(stamp)) // 300
    except ArithmeticError:
        return None


def _input(name: str, datacount: int, stamp: str, temps: dict[str, str]) -> dict[str, Any]:
    info: dict[str, Any] = {"infoTimestamp": stamp, **{k: float(v) for k, v in temps.items()}}
    return {"deviceId": name, "datacount": datacount, "info": info}


def _graphql(http: httpx.Client, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = http.post(
        "/graphql", json={"query": document, "variables": variables}
    ).json()
    assert "errors" not in body, body
    return body


# -- what the answers must be ----------------------------------------------------------------


def seconds_of(reading: Reading) -> Fraction | None:
    try:
        value = Fraction(Decimal(reading.info.info_timestamp.strip()))
    except (ArithmeticError, ValueError):
        return None
    return value if -62_135_596_800 <= value < 253_402_300_800 else None


def iso(seconds: Fraction | float) -> str:
    return datetime.fromtimestamp(float(seconds), tz=UTC).isoformat()


def field_figures(readings: list[Reading], name: str) -> dict[str, Any]:
    values = [Fraction(v) for r in readings if (v := getattr(r.info, name)) is not None]
    if not values:
        return {"count": 0, "min": None, "max": None, "avg": None}
    return {
        "count": len(values),
        "min": float(min(values)),
        "max": float(max(values)),
        "avg": float(sum(values) / len(values)),
    }


def figures(readings: list[Reading]) -> dict[str, Any]:
    return {"count": len(readings), **{n: field_figures(readings, n) for n in TEMPERATURES}}


class Truth:
    """The table as a full scan finds it, and what stats, series and devices must say."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.readings = scan(client, table)
        self.by_device: dict[str, list[Reading]] = {}
        for reading in self.readings:
            self.by_device.setdefault(reading.device_id, []).append(reading)

    def window(self, device: str, start: Fraction | None, end: Fraction | None) -> list[Reading]:
        found = []
        for reading in self.by_device.get(device, []):
            seconds = seconds_of(reading)
            if seconds is None:
                continue
            if (start is None or seconds >= start) and (end is None or seconds < end):
                found.append(reading)
        return found

    def stats(self, device: str, start: Fraction | None, end: Fraction | None) -> dict[str, Any]:
        rows = self.by_device.get(device, [])
        if start is not None or end is not None:
            rows = self.window(device, start, end)
        counts = sorted(r.datacount for r in rows)
        return {
            **figures(rows),
            "first": {"datacount": counts[0]} if counts else None,
            "last": {"datacount": counts[-1]} if counts else None,
        }

    def series(self, device: str, start: Fraction, end: Fraction, seconds: int) -> list[Any]:
        buckets: dict[int, list[Reading]] = {}
        for reading in self.window(device, start, end):
            moment = seconds_of(reading)
            assert moment is not None
            buckets.setdefault(int((moment - start) // seconds), []).append(reading)
        return [
            {"start": iso(start + index * seconds), **figures(buckets[index])}
            for index in sorted(buckets)
        ]

    def devices(self) -> list[dict[str, Any]]:
        found = []
        for device in sorted(self.by_device):
            times = [s for r in self.by_device[device] if (s := seconds_of(r)) is not None]
            found.append(
                {
                    "deviceId": device,
                    "readingCount": len(self.by_device[device]),
                    "firstRecordedAt": iso(min(times)) if times else None,
                    "lastRecordedAt": iso(max(times)) if times else None,
                }
            )
        return found
