"""Fuzzing with schemathesis: every root field, valid and invalid documents, against the server
on its embedded backend, over HTTP. The schema comes from the server's own introspection.

The seed is fixed, so a run generates the same documents every time (for the same schemathesis
and hypothesis versions). No response may be a 5xx or carry INTERNAL_SERVER_ERROR, and every
error must carry an `extensions.code`.
"""

from __future__ import annotations

import math
import time
import unittest
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.graphql import nodes
from schemathesis.schemas import APIOperation

from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, served

Operation = APIOperation[Any, Any, Any, Any]
SEED = 20260523
SMALL_RUN = 100
FULL_RUN = 1000
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
SAMPLE_DEVICES = ["10001", "10002", "10003"]


def register_scalars() -> None:
    """Strategies for the schema's scalars, so that every argument of every field is fuzzed.

    DateTime (ReadingInfo.recordedAt) is output-only today; it is registered so that any input
    that takes it later is fuzzed too. ID gets the sample data's device ids (so reads and writes
    hit existing readings), relay-style ids, and arbitrary text and integers.
    """
    schemathesis.graphql.scalar(
        "DateTime",
        st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 2))
        .map(lambda moment: moment.isoformat())
        .map(nodes.String),
    )
    schemathesis.graphql.scalar(
        "ID",
        st.one_of(
            st.sampled_from(SAMPLE_DEVICES).map(nodes.String),
            st.sampled_from(["UmVhZGluZzoxMDAwMToy", "Reading:10001:1", ""]).map(nodes.String),
            st.text(max_size=64).map(nodes.String),
            st.integers(min_value=-(2**40), max_value=2**40).map(nodes.Int),
        ),
    )


@dataclass
class Tally:
    sent: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def check(self, label: str, document: str, response: httpx.Response) -> None:
        self.sent += 1
        self.by_operation[label] += 1
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{label}: HTTP {response.status_code} for {document!r}")
            return
        try:
            body = response.json()
        except ValueError:
            self.failures.append(f"{label}: a body that is not JSON for {document!r}")
            return
        for error in body.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            self.codes[str(code)] += 1
            if code is None or code == "INTERNAL_SERVER_ERROR":
                self.failures.append(f"{label}: {error} for {document!r}")


@pytest.fixture(scope="module")
def embedded() -> Iterator[Http]:
    with served(settings_for("Devices", backend="embedded")) as http:
        yield http


def operations(http: Http) -> list[Operation]:
    register_scalars()
    schema = schemathesis.graphql.from_url(f"{http.url}/graphql")
    found: list[Operation] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise AssertionError(f"schemathesis could not load an operation: {result.err()}")
        found.append(result.ok())
    return found


def fuzz_operation(
    http: Http, operation: Operation, mode: GenerationMode, examples: int, tally: Tally
) -> None:
    label = f"{operation.label} ({mode.value})"

    @seed(SEED)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Case[Operation]) -> None:
        document = str(case.body)
        response = http.client.post("/graphql", json={"query": document})
        tally.check(label, document, response)

    try:
        send()
    except unittest.SkipTest as skip:
        tally.skipped.append(f"{label}: {skip}")


def fuzz(http: Http, total: int) -> Tally:
    ops = operations(http)
    examples = math.ceil(total / (len(ops) * len(MODES)))
    tally = Tally()
    for operation in ops:
        for mode in MODES:
            fuzz_operation(http, operation, mode, examples, tally)
    return tally


def report(tally: Tally, elapsed: float, figure: Figure) -> None:
    figure(
        f"schemathesis seed {SEED}: {tally.sent:,} operations over "
        f"{len({k.split(' ')[0] for k in tally.by_operation})} root fields in {elapsed:.1f} s; "
        f"failures {len(tally.failures)} {dict(Counter(f.split(':')[0] for f in tally.failures))}; "
        f"HTTP {dict(sorted(tally.statuses.items()))}; "
        f"error codes {dict(tally.codes.most_common())}"
        + (f"; no negative cases for {len(tally.skipped)}" if tally.skipped else "")
    )


def test_small_fuzz_run_finds_no_server_errors(embedded: Http, figure: Figure) -> None:
    started = time.monotonic()
    tally = fuzz(embedded, SMALL_RUN)
    report(tally, time.monotonic() - started, figure)
    assert tally.sent >= SMALL_RUN
    assert tally.failures == []


@pytest.mark.slow
def test_full_fuzz_run_finds_no_server_errors(embedded: Http, figure: Figure) -> None:
    started = time.monotonic()
    tally = fuzz(embedded, FULL_RUN)
    report(tally, time.monotonic() - started, figure)
    assert tally.sent >= FULL_RUN
    assert tally.failures == []
