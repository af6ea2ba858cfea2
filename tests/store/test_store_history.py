"""gql/store/history.py: the walk's item and time budgets, and what it asks DynamoDB for."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gql.models import Reading, ReadingInfo, ReadingKey
from gql.store.client import DynamoDB
from gql.store.history import FIRST_PAGE, Cut, History
from gql.store.readings import ReadingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEVICE = "walker"
FAR = float("inf")  # a deadline that never comes


def seed(store: ReadingStore, count: int) -> None:
    store.batch_put(
        Reading(DEVICE, n, ReadingInfo(str(1000 + n), temperature1=Decimal(n)), version=1)
        for n in range(1, count + 1)
    )


class Recording:
    """The real client, with the parameters of every query it was asked to run."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.client = client
        self.meta = client.meta
        self.queries: list[dict[str, Any]] = []

    def query(self, **params: Any) -> Any:
        self.queries.append(params)
        return self.client.query(**params)


def history(store: ReadingStore, budget: int, **kwargs: Any) -> History:
    return History(store.db, budget=budget, **kwargs)


def test_a_budget_that_covers_every_reading_is_complete(store: ReadingStore) -> None:
    seed(store, 30)

    stats = history(store, 30).stats(DEVICE, deadline=FAR)

    assert (stats.complete, stats.figures.count) == (True, 30)
    assert stats.figures.of("temperature1").total == Decimal(sum(range(1, 31)))


def test_a_budget_below_the_readings_stops_there(store: ReadingStore) -> None:
    seed(store, 30)

    stats = history(store, 12).stats(DEVICE, deadline=FAR)

    assert (stats.cut, stats.figures.count) == (Cut.BUDGET, 12)
    assert stats.figures.last == ReadingKey(DEVICE, 12)


def test_the_time_budget_sizes_the_next_request_and_stops_between_requests(
    store: ReadingStore,
) -> None:
    seed(store, FIRST_PAGE + 200)
    ticks = iter(range(0, 1000, 10))  # every look at the clock is 10 s later

    stats = history(store, 10_000, clock=lambda: next(ticks)).stats(DEVICE, deadline=14)

    # The first request read FIRST_PAGE readings in 10 s; with 4 s left, the next one may
    # plan for half of that: 100 readings. After it, the deadline has passed.
    assert (stats.cut, stats.figures.count) == (Cut.TIME, FIRST_PAGE + 100)


def test_a_deadline_already_past_reads_only_the_first_request(store: ReadingStore) -> None:
    seed(store, FIRST_PAGE + 1)

    stats = history(store, 10_000, clock=lambda: 100.0).stats(DEVICE, deadline=50)

    assert (stats.cut, stats.figures.count) == (Cut.TIME, FIRST_PAGE)


def test_only_the_attributes_the_figures_need_are_read(
    client: DynamoDBClient, table: str, store: ReadingStore
) -> None:
    seed(store, 3)
    recording = Recording(client)

    History(DynamoDB(recording, table), budget=100).stats(DEVICE, deadline=FAR)  # type: ignore[arg-type]

    (query,) = recording.queries
    names = query["ExpressionAttributeNames"]
    projected = {
        ".".join(names[part] for part in path.split("."))
        for path in query["ProjectionExpression"].split(", ")
    }
    assert projected == {"device_id", "datacount"} | {f"info.temperature{n}" for n in range(1, 6)}


def test_a_window_also_reads_the_timestamp(
    client: DynamoDBClient, table: str, store: ReadingStore
) -> None:
    seed(store, 3)
    recording = Recording(client)

    History(DynamoDB(recording, table), budget=100).series(  # type: ignore[arg-type]
        DEVICE, deadline=FAR, start=Decimal(1000), end=Decimal(1002), seconds=1
    )

    (query,) = recording.queries
    assert "info_timestamp" in query["ExpressionAttributeNames"].values()
