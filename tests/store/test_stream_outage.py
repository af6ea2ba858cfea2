"""The stream reader while DynamoDB Local is down for a while and then back with its data.

The test starts its own DynamoDB Local (scripts/dynamodb-local, another port, `-dbPath` in a
temporary directory), so that it can stop it and start it again without touching the one the
other tests share. The contract: during the outage every poll fails fast with
BackendUnavailableError; afterwards the changes written once it is back arrive, or the reader
says STREAM_GAP. Never a hang, never a change lost silently or delivered twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from gql.config import Settings
from gql.errors import BackendUnavailableError, StreamGapError
from gql.models import Change, ReadingInfo, ReadingKey
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.stream import StreamReader, make_streams_client
from gql.store.tables import Tables
from tests.persistent_local import PersistentDynamoDBLocal
from tests.timing import patient

if TYPE_CHECKING:
    pass

OUTAGE_SECONDS = 10.0
# Connection refused is immediate; a poll may still make a few calls with short timeouts.
FAST_FAILURE_SECONDS = 3.0


def timed(call: Callable[[], list[Change]]) -> tuple[float, list[Change] | Exception]:
    started = time.monotonic()
    try:
        outcome: list[Change] | Exception = call()
    except (BackendUnavailableError, StreamGapError) as exc:
        outcome = exc
    return time.monotonic() - started, outcome


def poll_until_change(
    reader: StreamReader, timeout: float = 20.0
) -> tuple[list[int], list[Change] | Exception]:
    """The datacounts of the first changes to come, or [] and what ended the wait: a gap, or
    the last transient error (a backend just started may not answer at once)."""
    outcome: list[Change] | Exception = []
    deadline = time.monotonic() + patient(timeout)
    while time.monotonic() < deadline:
        _, outcome = timed(reader.poll)
        if isinstance(outcome, StreamGapError):
            break
        if isinstance(outcome, list) and outcome:
            return [c.key.datacount for c in outcome], outcome
        time.sleep(0.05)
    return [], outcome


def test_outage_fails_fast_then_resumes_or_reports_a_gap(
    dynamodb_local: PersistentDynamoDBLocal, record_property: Callable[[str, object], None]
) -> None:
    table = f"Outage-{uuid.uuid4().hex[:8]}"
    Tables(DynamoDB(dynamodb_local.client, table), sleep=lambda _: None).create(wait=True)
    store = ReadingStore(dynamodb_local.client, table)
    settings = Settings(
        endpoint_url=dynamodb_local.url, connect_timeout=0.5, read_timeout=2.0, max_attempts=2
    )
    reader = StreamReader(
        DynamoDB(dynamodb_local.client, table),
        make_streams_client(settings),
        rediscover_seconds=0.5,
    )
    reader.open()
    store.put(ReadingKey("dev", 1), ReadingInfo("1612519200"))
    before, _ = poll_until_change(reader)

    dynamodb_local.stop()
    down_until = time.monotonic() + OUTAGE_SECONDS
    during: list[tuple[float, list[Change] | Exception]] = []
    while time.monotonic() < down_until:
        during.append(timed(reader.poll))
        time.sleep(0.5)
    restart_seconds = dynamodb_local.start()
    store.put(ReadingKey("dev", 2), ReadingInfo("1612519200"))

    after, outcome = poll_until_change(reader)

    slowest = max(seconds for seconds, _ in during)
    ending = "resumed" if after else type(outcome).__name__
    figure = (
        f"{len(during)} polls during a {OUTAGE_SECONDS:g} s outage, slowest {slowest:.2f} s; "
        f"restart {restart_seconds:.1f} s; then {ending}"
    )
    print(f"figure: {figure}")
    record_property("figure", figure)
    assert before == [1]
    assert all(isinstance(o, BackendUnavailableError) for _, o in during), during
    assert slowest < FAST_FAILURE_SECONDS
    if after:
        assert after == [2]  # the change made once it was back, once, and nothing again
    else:
        assert isinstance(outcome, StreamGapError), f"neither the change nor a gap: {outcome!r}"
