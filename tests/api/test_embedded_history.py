"""The embedded backend derives in its own process: `make serve` shows devices, stats, series and
history with nothing configured, and a write is in them as soon as the write has returned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gql.web.app import create_app
from tests.api.conftest import serve_in_thread, settings_for

PUT = """mutation ($r: ReadingInput!) { putReading(reading: $r) { __typename } }"""
READ = """{ history { upTo backlog consuming }
  devices { edges { node { deviceId readingCount firstRecordedAt lastRecordedAt } } }
  device(deviceId: "10004") {
    readingCount
    stats(recordedAt: {from: "2021-02-05T10:00:00Z"}) { count temperature1 { avg } }
    series(recordedAt: {from: "2021-02-05T10:00:00Z", to: "2021-02-05T11:00:00Z"},
           bucketSeconds: 600) { start count }
  } }"""


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    app = create_app(settings_for("Devices", backend="embedded"))
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def data(http: httpx.Client, document: str, variables: dict[str, Any] | None = None) -> Any:
    body = http.post("/graphql", json={"query": document, "variables": variables}).json()
    assert "errors" not in body, body
    return body["data"]


def test_the_sample_devices_are_listed_from_the_start(http: httpx.Client) -> None:
    found = data(http, READ)

    assert found["history"]["consuming"] is True
    assert found["history"]["backlog"] == 0
    assert [e["node"] for e in found["devices"]["edges"]][:3] == [
        {
            "deviceId": device,
            "readingCount": 2,
            "firstRecordedAt": "2021-02-05T10:00:00+00:00",
            "lastRecordedAt": "2021-02-05T10:30:00+00:00",
        }
        for device in ("10001", "10002", "10003")
    ]


def test_a_write_is_derived_before_the_next_read(http: httpx.Client) -> None:
    for n, (stamp, temperature) in enumerate([("1612519500", 5.0), ("1612520700", 7.5)]):
        reading = {
            "deviceId": "10004",
            "datacount": n,
            "info": {"infoTimestamp": stamp, "temperature1": temperature},
        }
        assert data(http, PUT, {"r": reading})["putReading"]["__typename"] == "Reading"

    found = data(http, READ)

    device = found["device"]
    assert device["readingCount"] == 2
    assert device["stats"] == {"count": 2, "temperature1": {"avg": 6.25}}
    assert device["series"] == [
        {"start": "2021-02-05T10:00:00+00:00", "count": 1},
        {"start": "2021-02-05T10:20:00+00:00", "count": 1},
    ]
    assert "10004" in [e["node"]["deviceId"] for e in found["devices"]["edges"]]
