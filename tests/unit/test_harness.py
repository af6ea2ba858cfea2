"""The test harness itself: the speed factor's waits, and which DynamoDB Local a worker uses."""

from __future__ import annotations

import os

import pytest

from tests import conftest, timing


@pytest.mark.parametrize(
    ("exported", "factor"),
    [("1", 1.0), ("2.5", 2.5), ("0.4", 1.0), ("500", timing.MAX_FACTOR), ("fast", 1.0)],
)
def test_the_exported_factor_is_used_within_its_bounds(
    monkeypatch: pytest.MonkeyPatch, exported: str, factor: float
) -> None:
    monkeypatch.setenv(timing.ENV, exported)

    assert timing.speed_factor() == factor
    assert timing.patient(4.0) == 4.0 * factor


def test_a_measured_factor_is_at_least_1_and_says_how_it_was_found() -> None:
    factor, detail = timing.measure(None)  # without DynamoDB Local: the CPU work alone

    assert 1.0 <= factor <= timing.MAX_FACTOR
    assert detail.startswith("CPU work ")
    assert "reference" in detail


URLS = "http://127.0.0.1:8000 http://127.0.0.1:8001 http://127.0.0.1:8002"


@pytest.mark.parametrize(
    ("worker", "expected"),
    [
        ("gw0", "http://127.0.0.1:8000"),
        ("gw2", "http://127.0.0.1:8002"),
        ("gw4", "http://127.0.0.1:8001"),  # more workers than instances: they share
    ],
)
def test_each_xdist_worker_takes_its_own_dynamodb_local(
    monkeypatch: pytest.MonkeyPatch, worker: str, expected: str
) -> None:
    monkeypatch.setenv("DYNAMODB_LOCAL_URLS", URLS)
    monkeypatch.setenv("DYNAMODB_LOCAL_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)

    assert conftest._local_url() == expected
    # Subprocesses the worker starts (gql, bench, examples) find the same one.
    assert os.environ["DYNAMODB_LOCAL_URL"] == expected


def test_without_workers_the_one_dynamodb_local_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNAMODB_LOCAL_URLS", URLS)
    monkeypatch.setenv("DYNAMODB_LOCAL_URL", "http://127.0.0.1:8000")
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)

    assert conftest._local_url() == "http://127.0.0.1:8000"
