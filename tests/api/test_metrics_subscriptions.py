"""Subscriptions in /metrics: a socket's operations never pass the HTTP edge, so the resolver
counts each subscription once, when it ends, as `operation_type="subscription"`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gql.web.app import create_app
from tests.api.conftest import serve_in_thread, settings_for
from tests.api.test_metrics import Series, moved, series, without_durations
from tests.live.wsclient import TRANSPORT_WS, session
from tests.timing import patient

CHANGES = """subscription ($kinds: [ChangeKind!]) {
  readingChanges(deviceId: "metrics-live", kinds: $kinds) { kind datacount }
}"""
PUT = """mutation { putReading(reading: {deviceId: "metrics-live", datacount: 1,
  info: {infoTimestamp: "1612519200", temperature1: 20.5}}) { __typename } }"""


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(create_app(settings_for("Devices", backend="embedded"))) as base:
        yield base


def scrape(url: str) -> dict[Series, float]:
    text = httpx.get(f"{url}/metrics").text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.name.endswith("_created")
    }


def subscription_series(changes: dict[Series, float]) -> dict[Series, float]:
    return {
        s: v
        for s, v in without_durations(changes).items()
        if ("operation_type", "subscription") in s[1] or s[0] == "gql_subscriptions_active"
    }


async def test_a_subscription_counts_once_when_it_ends_and_is_active_meanwhile(url: str) -> None:
    before = scrape(url)
    async with session(url, TRANSPORT_WS) as socket:
        await socket.subscribe("1", CHANGES)
        await asyncio.sleep(patient(0.3))
        during = scrape(url)
        assert during[series("gql_subscriptions_active")] == 1
        assert not subscription_series(moved(before, during)).get(
            series("gql_requests_total", operation_type="subscription", outcome="ok")
        )
        async with httpx.AsyncClient(base_url=url) as http:
            await http.post("/graphql", json={"query": PUT})
        message = await socket.receive()
        assert message["payload"]["data"]["readingChanges"]["kind"] == "INSERT"
        await socket.stop("1")
        await asyncio.sleep(patient(0.3))
    after = scrape(url)
    assert subscription_series(moved(before, after)) == {
        series("gql_requests_total", operation_type="subscription", outcome="ok"): 1,
        series(
            "gql_request_duration_seconds_count", operation_type="subscription", outcome="ok"
        ): 1,
    }
    assert after[series("gql_subscriptions_active")] == 0


async def test_a_refused_subscription_counts_as_an_error_with_its_code(url: str) -> None:
    before = scrape(url)
    async with session(url, TRANSPORT_WS) as socket:
        await socket.subscribe("1", CHANGES, {"kinds": []})
        message = await socket.receive()
        assert message["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        await asyncio.sleep(patient(0.2))
    changes = without_durations(moved(before, scrape(url)))
    assert subscription_series(changes) == {
        series("gql_requests_total", operation_type="subscription", outcome="error"): 1,
        series(
            "gql_request_duration_seconds_count", operation_type="subscription", outcome="error"
        ): 1,
    }
    assert changes[series("gql_errors_total", code="BAD_USER_INPUT")] == 1
