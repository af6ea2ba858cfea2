"""A request's objects go when it is answered: none of them is held by a reference cycle.

A cycle keeps everything it reaches (the request, its context, the executor, the answer's
readings) until the garbage collector's next pass, which then walks all of it: about 100
objects a request, 20-30 us of the event loop's time each, and a pause every few requests.
Three cycles did so (graphql-core's helpers bound to its executor, the loaders bound to their
context, botocore's blob parser bound to each answer's parser); this keeps them gone.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator

import pytest
from starlette.requests import Request

from gql.schema import Context
from gql.schema.executor import Executor
from gql.store.answers import ItemAnswerParser
from tests.api.conftest import Api

OURS = (Context, Executor, ItemAnswerParser, Request)
PUT = """mutation ($d: ID!, $c: Int!) { putReading(reading: {deviceId: $d, datacount: $c,
    info: {infoTimestamp: "1612519200", temperature1: 21.5}}) { datacount } }"""
READS = [
    '{ reading(deviceId: "%s", datacount: 1) { datacount info { temperature1 } } }',
    '{ readingsByDevice(deviceId: "%s", first: 2) { edges { node { datacount } } } }',
    '{ device(deviceId: "%s") { latestReading { datacount } } }',
    "{ scanReadings(first: 5) { edges { node { deviceId } } pageInfo { hasNextPage } } }",
    '{ reading(deviceId: "%s", datacount: "not a number") { datacount } }',  # an error
]


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    """What the collector finds unreachable from here on, kept in gc.garbage to look at."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()


def test_answered_requests_leave_nothing_for_the_garbage_collector(
    api: Api, device: str, saved_garbage: list[object]
) -> None:
    # This test's requests carry an id of their own: the collector also finds what other
    # tests' servers, still stopping in threads of this worker, let go of meanwhile (a
    # request cancelled at a server's shutdown is held by its traceback until then).
    mine = f"garbage-{uuid.uuid4().hex}"
    headers = {"x-request-id": mine}
    for datacount in (1, 2, 3):
        variables = {"d": device, "c": datacount}
        api.http.post("/graphql", json={"query": PUT, "variables": variables}, headers=headers)
    for document in READS:
        query = document % device if "%s" in document else document
        api.http.post("/graphql", json={"query": query}, headers=headers)
    gc.collect()

    held = sorted(
        {type(o).__qualname__ for o in saved_garbage if isinstance(o, OURS) and ours(o, mine)}
    )
    assert held == []


def ours(found: object, request_id: str) -> bool:
    """Whether `found` belongs to a request made with `request_id` (an item parser belongs to
    no request: any counts)."""
    if isinstance(found, Executor):
        found = found.context_value
    if isinstance(found, Context):
        found = found.request
    if isinstance(found, Request):
        return found.headers.get("x-request-id") == request_id
    return True
