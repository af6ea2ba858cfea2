"""What the app serves from, built from the settings: the store, the live hub's source, and
what keeps the derived history in this process (always on the embedded backend; with
`gql serve --derive` on the others).

The hub's source: the embedded store itself; with GQL_REDIS_URL, the Redis relay that the
consumer appends to (gql/relay/); otherwise the table's DynamoDB stream, read by this process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from gql.config import Settings
from gql.derive import Background, InProcess, consumer_for, relay_package
from gql.formats import parse_readings
from gql.live import AsyncChangeSource, ChangeSource, Hub
from gql.store import (
    DynamoDB,
    Embedded,
    ReadingStore,
    StreamReader,
    make_client,
    make_streams_client,
    start_embedded,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def sample_readings() -> str:
    return resources.files("gql").joinpath("data/sample.json").read_text(encoding="utf-8")


@dataclass
class Backend:
    store: ReadingStore
    embedded: Embedded | None = None
    # What keeps the derived history in this process: always on the embedded backend, with
    # `gql serve --derive` on the others.
    deriving: InProcess | Background | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        hub: Hub,
        *,
        derive: bool = False,
        on_relayed: Callable[[list[float]], None] | None = None,
    ) -> Backend:
        """The store, and the hub fed: by the store (embedded), the relay or the stream.

        `on_relayed` gets the lag of each change read from the relay (for the metrics)."""
        if settings.backend == "embedded":
            # The store publishes its own writes from its threads: publish is thread-safe.
            embedded = start_embedded(settings, on_change=hub.publish)
            readings = DynamoDB(embedded.client, settings.table, lock=embedded.lock)
            inprocess = InProcess(readings, readings.sibling(settings.history_name))
            embedded.deriving = inprocess
            inprocess.start()
            store = embedded.store(settings.table, read_budget=settings.read_budget)
            store.batch_put(parse_readings(sample_readings(), source="sample data"))
            return cls(store, embedded, inprocess)
        client = make_client(settings)
        if settings.redis_url is not None:
            hub.attach_async(relay_source(settings, on_relayed))
        else:
            hub.attach(stream_source(settings, client))
        store = ReadingStore(client, settings.table, read_budget=settings.read_budget)
        background = None
        if derive:
            background = Background(consumer_for(settings, client, reporter="serve"))
            background.start()
        return cls(store, deriving=background)

    def close(self) -> None:
        if self.deriving is not None:
            self.deriving.stop()
        if self.embedded is not None:
            self.embedded.close()


def stream_source(settings: Settings, client: DynamoDBClient) -> ChangeSource:
    """The table's DynamoDB stream (NEW_AND_OLD_IMAGES), whoever wrote to the table."""
    return StreamReader(DynamoDB(client, settings.table), make_streams_client(settings))


def relay_source(
    settings: Settings, on_read: Callable[[list[float]], None] | None
) -> AsyncChangeSource:
    """The Redis stream `<table>:changes` that the consumer appends every change to."""
    assert settings.redis_url is not None
    source: AsyncChangeSource = relay_package().RelaySource.from_url(
        settings.redis_url, settings.table, on_read=on_read
    )
    return source


def hub_for(settings: Settings) -> Hub:
    return Hub(
        poll_seconds=settings.stream_poll_seconds,
        max_outage_seconds=settings.stream_max_outage_seconds,
        buffer=settings.subscription_buffer,
    )
