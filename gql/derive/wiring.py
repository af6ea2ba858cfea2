"""The consumer and the rebuild built from the settings, for `gql derive` and `gql serve`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from gql.config import Settings
from gql.derive.batch import BatchDeriver
from gql.derive.consumer import Consumer, Sink
from gql.errors import ConfigError
from gql.store import (
    DynamoDB,
    HistoryTable,
    PeriodCache,
    Rebuild,
    StreamFeed,
    Summary,
    make_streams_client,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from gql.relay import Appender

log = logging.getLogger("gql.derive")


def consumer_for(
    settings: Settings,
    client: DynamoDBClient,
    *,
    reporter: str = "derive",
    sink: Sink | None = None,
) -> Consumer:
    readings = DynamoDB(client, settings.table)
    history = DynamoDB(client, settings.history_name)
    pool = ThreadPoolExecutor(settings.derive_threads, thread_name_prefix="derive")
    if sink is None:
        sink = relay_for(settings)
    feed = StreamFeed(readings, make_streams_client(settings), history)
    return Consumer(
        feed,
        # It reads every shard, so it may keep the periods it derives (gql/store/periodcache.py).
        BatchDeriver(readings, history, pool, periods=PeriodCache()),
        HistoryTable(history),
        reporter=reporter,
        sink=sink,
        poll_seconds=settings.stream_poll_seconds,
    )


def relay_for(settings: Settings) -> Appender | None:
    """With GQL_REDIS_URL, the sink that appends every derived change to `<table>:changes`."""
    if settings.redis_url is None:
        return None
    relay = relay_package()
    appender: Appender = relay.Appender.from_url(
        settings.redis_url, settings.table, maxlen=settings.redis_stream_maxlen
    )
    return appender


def relay_package() -> Any:
    # Imported only when asked for: redis-py is the optional `redis` extra.
    try:
        import gql.relay
    except ImportError as exc:
        raise ConfigError(
            "GQL_REDIS_URL is set, but redis-py is not installed: "
            "pip install 'devices-graphql[redis]'"
        ) from exc
    return gql.relay


def rebuild(
    settings: Settings,
    client: DynamoDBClient,
    *,
    device_id: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Summary:
    readings = DynamoDB(client, settings.table)
    history = DynamoDB(client, settings.history_name)
    with ThreadPoolExecutor(settings.derive_threads, thread_name_prefix="rebuild") as pool:
        deriver = BatchDeriver(readings, history, pool).deriver
        return Rebuild(deriver, HistoryTable(history), pool, progress=progress).run(device_id)


class Background:
    """A consumer on a thread of its own (`gql serve --derive`): start, then stop at shutdown."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=consumer.run, args=(self._stop,), name="derive", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the step under way (it is checkpointed), then stop."""
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("derive: the consumer was still in a step at shutdown; it resumes there")
