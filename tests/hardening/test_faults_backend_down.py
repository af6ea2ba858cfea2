"""The backend is down: it refuses connections, or accepts them and never answers; then returns.

The app's store is built by the app's own make_client, pointed at a loopback port: closed
(refused), a BlackHole (accepts, never answers), or a SwitchableProxy in front of DynamoDB
Local. Timeouts are the defaults: connect 1 s, read 2 s, 2.5 s budget per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gql.config import Settings
from gql.store.readings import ReadingStore
from tests.api.conftest import DEFAULT_BUDGET, settings_for
from tests.conftest import LOCAL_URL
from tests.hardening.conftest import Figure, Http, Serve, codes
from tests.hardening.fakes import BlackHole, SwitchableProxy, unused_port

LIMIT_SECONDS = 3.0
DOCUMENTS = {
    "read": '{ reading(deviceId: "d", datacount: 1, consistentRead: true) { datacount } }',
    "page": '{ readingsByDevice(deviceId: "d", first: 5) { edges { cursor } } }',
    "write": (
        'mutation { putReading(reading: {deviceId: "d", datacount: 1, '
        'info: {infoTimestamp: "1612519200", temperature1: 20.5}}) { __typename } }'
    ),
}
StoreAt = Callable[[Settings], ReadingStore]


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def app_on(serve: Serve, store_at: StoreAt, endpoint: str, **overrides: Any) -> Http:
    settings = settings_for(
        "Devices",
        backend="aws",
        endpoint_url=endpoint,
        **{"request_timeout": DEFAULT_BUDGET, **overrides},
    )
    return serve(settings, store_at(settings))


# -- connection refused ----------------------------------------------------------------------


@pytest.fixture
def refused(serve: Serve, store_at: StoreAt) -> Http:
    return app_on(serve, store_at, f"http://127.0.0.1:{unused_port()}")


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_refused_backend_gives_backend_unavailable_within_3s(
    refused: Http, kind: str, figure: Figure
) -> None:
    body, elapsed = timed(lambda: refused.body(DOCUMENTS[kind]))
    figure(f"connection refused, {kind}: {codes(body)} in {elapsed:.2f} s")
    assert codes(body) == ["BACKEND_UNAVAILABLE"]
    assert elapsed < LIMIT_SECONDS


def test_healthz_is_up_while_the_backend_refuses(refused: Http, figure: Figure) -> None:
    response, elapsed = timed(lambda: refused.client.get("/healthz"))
    figure(f"connection refused: /healthz {response.status_code} in {elapsed:.3f} s")
    assert response.status_code == 200


def test_readyz_is_503_while_the_backend_refuses(refused: Http, figure: Figure) -> None:
    response, elapsed = timed(lambda: refused.client.get("/readyz"))
    figure(f"connection refused: /readyz {response.status_code} in {elapsed:.2f} s")
    assert response.status_code == 503
    assert elapsed < LIMIT_SECONDS


# -- accepts, never answers ------------------------------------------------------------------


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    with BlackHole() as hole:
        yield hole


@pytest.fixture
def silent(serve: Serve, store_at: StoreAt, black_hole: BlackHole) -> Http:
    return app_on(serve, store_at, black_hole.url)


@pytest.mark.parametrize("kind", ["read", "write"])
def test_silent_backend_gives_backend_unavailable_within_3s(
    silent: Http, kind: str, figure: Figure
) -> None:
    body, elapsed = timed(lambda: silent.body(DOCUMENTS[kind]))
    figure(f"backend accepts but never answers, {kind}: {codes(body)} in {elapsed:.2f} s")
    assert codes(body) == ["BACKEND_UNAVAILABLE"]
    assert elapsed < LIMIT_SECONDS


def test_healthz_is_up_while_the_backend_is_silent(silent: Http, figure: Figure) -> None:
    silent.body(DOCUMENTS["read"])  # one request stuck on the backend already
    response, elapsed = timed(lambda: silent.client.get("/healthz"))
    figure(f"silent backend: /healthz {response.status_code} in {elapsed:.3f} s")
    assert response.status_code == 200
    assert elapsed < 1


def test_readyz_is_503_while_the_backend_is_silent(silent: Http, figure: Figure) -> None:
    response, elapsed = timed(lambda: silent.client.get("/readyz"))
    figure(f"silent backend: /readyz {response.status_code} in {elapsed:.2f} s")
    assert response.status_code == 503
    assert elapsed < LIMIT_SECONDS


def test_no_backend_attempts_continue_after_the_answer(
    silent: Http, black_hole: BlackHole, figure: Figure
) -> None:
    # Once the budget is spent and the client has its answer, the call must not go on
    # retrying in the background: that holds a worker thread, and a write could still land.
    silent.body(DOCUMENTS["write"])
    answered = time.monotonic()
    before = len(black_hole.accepted_at)
    time.sleep(2.5)  # past the attempt in flight (read timeout 2 s) and its retry's backoff
    after = [t - answered for t in black_hole.accepted_at[before:]]
    figure(
        f"silent backend: {before} connection(s) before the answer, {len(after)} after it "
        f"(at +{', +'.join(f'{t:.2f}' for t in after) or '-'} s)"
    )
    assert after == []


# -- the backend returns ---------------------------------------------------------------------


@pytest.fixture
def proxy(local_table: str) -> Iterator[SwitchableProxy]:
    assert LOCAL_URL is not None
    with SwitchableProxy(LOCAL_URL) as switchable:
        yield switchable


@pytest.fixture
def proxied(serve: Serve, store_at: StoreAt, proxy: SwitchableProxy, local_table: str) -> Http:
    settings = settings_for(
        local_table, backend="aws", endpoint_url=proxy.url, request_timeout=DEFAULT_BUDGET
    )
    return serve(settings, store_at(settings))


def test_first_request_after_the_backend_returns_succeeds(
    proxied: Http, proxy: SwitchableProxy, figure: Figure
) -> None:
    assert proxied.data(DOCUMENTS["write"])["putReading"] == {"__typename": "Reading"}
    proxy.off()
    down, down_s = timed(lambda: proxied.body(DOCUMENTS["read"]))
    assert codes(down) == ["BACKEND_UNAVAILABLE"]
    proxy.on()
    back, back_s = timed(lambda: proxied.body(DOCUMENTS["read"]))
    figure(
        f"backend down: {codes(down)} in {down_s:.2f} s; back: first request "
        f"{back.get('data')} errors {codes(back)} in {back_s:.3f} s"
    )
    assert back == {"data": {"reading": {"datacount": 1}}}


def test_readyz_recovers_when_the_backend_returns(
    proxied: Http, proxy: SwitchableProxy, figure: Figure
) -> None:
    ready = proxied.client.get("/readyz").status_code
    proxy.off()
    down = proxied.client.get("/readyz").status_code
    proxy.on()
    back, back_s = timed(lambda: proxied.client.get("/readyz"))
    figure(f"/readyz: up {ready}, down {down}, back {back.status_code} in {back_s:.3f} s")
    assert (ready, down, back.status_code) == (200, 503, 200)
