"""What every resolver gets: the store, a thread pool for its blocking calls, cursors, loaders."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from gql.cursor import decode_cursor, encode_cursor
from gql.errors import BackendUnavailableError, TableNotFoundError, ThrottledError
from gql.models import Reading, ReadingKey
from gql.schema.batching import Batch, BatchTimeoutError, Coalescer
from gql.store import BATCH_GET_SIZE, Budget, Entry, within

LATEST_BATCH = 32  # devices whose newest readings one coalesced batch queries, all at once

if TYPE_CHECKING:
    from gql.config import Settings
    from gql.live import Failing, Hub
    from gql.observe import Metrics
    from gql.store import HistoryTable, ReadingStore

log = logging.getLogger("gql.schema")
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class Cursors:
    secrets: tuple[bytes, ...]
    ttl_seconds: int
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.time) -> Cursors:
        if settings.cursor_secrets:
            return cls(settings.cursor_secrets, settings.cursor_ttl_seconds, clock)
        log.warning(
            "GQL_CURSOR_SECRET is not set: cursors are signed with a random per-process secret, "
            "so they stop working after a restart and are not shared between replicas"
        )
        return cls((secrets.token_bytes(32),), settings.cursor_ttl_seconds, clock)

    def encode(self, key: ReadingKey, scope: str, *, now: float | None = None) -> str:
        """`now`: when the page was made, so every cursor of one page expires together."""
        issued = self.clock() if now is None else now
        return encode_cursor(
            key, scope=scope, secret=self.secrets[0], now=issued, ttl_seconds=self.ttl_seconds
        )

    def decode(self, token: str, scope: str) -> ReadingKey:
        return decode_cursor(token, scope=scope, secrets=self.secrets, now=self.clock())


@dataclass
class Services:
    """Built once per process by the app and shared by every request."""

    store: ReadingStore
    cursors: Cursors
    executor: ThreadPoolExecutor
    request_timeout: float
    read_budget: int
    hub: Hub | None = None  # live changes; None: subscriptions are refused
    history_read_budget: int = 10_000
    series_max_buckets: int = 1000
    # The derived history (registry, rollups, statuses); None: none is kept (gql/derive).
    history: HistoryTable | None = None
    history_stale_seconds: float = 60.0
    # Eventually consistent reads by key from all concurrent requests share BatchGetItems.
    readings_by_key: Coalescer[ReadingKey, Reading] = field(init=False)
    # So do the newest readings of devices (one Query each, made at once), as latestReading.
    latest_by_device: Coalescer[str, Reading] = field(init=False)

    def __post_init__(self) -> None:
        self.readings_by_key = Coalescer(self._fetch_readings, self.executor, BATCH_GET_SIZE)
        self.latest_by_device = Coalescer(self._fetch_latest, self.executor, LATEST_BATCH)

    def _fetch_readings(self, batch: Batch[ReadingKey]) -> dict[ReadingKey, Reading]:
        budget = batch.state = Budget(batch.deadline)
        with within(budget):
            if len(batch.keys) == 1:  # a lone key is a GetItem, which DynamoDB answers faster
                found = self.store.get(batch.keys[0])
                return {found.key: found} if found is not None else {}
            return self.store.batch_get(batch.keys)

    def _fetch_latest(self, batch: Batch[str]) -> dict[str, Reading]:
        budget = batch.state = Budget(batch.deadline)
        with within(budget):
            return self.store.latest_many(batch.keys)

    # For what the schema counts itself (subscriptions opened and ended); None: metrics off.
    metrics: Metrics | None = None


@dataclass
class Context:
    """Built per request: loaders cache only within one request.

    A WebSocket connection gets one context for its whole life (`socket=True`), shared by its
    operations: then every store call gets its own time budget, and loaders do not cache.
    """

    services: Services
    request: Any = None
    response: Any = None
    socket: bool = False
    # The connection_init payload of a WebSocket (Strawberry sets it).
    connection_params: Any = None
    # A socket's live subscriptions, so that the edge can end them all (gql/web/sockets.py).
    subscribers: set[Failing] = field(default_factory=set)
    # The context of a subscription shared by several sockets (gql/web/fanout.py): each of
    # them counts itself in the metrics, so the resolver does not.
    shared: bool = False
    readings: DataLoader[ReadingKey, Reading | None] = field(init=False)
    latest: DataLoader[str, Reading | None] = field(init=False)
    registry: DataLoader[str, Entry | None] = field(init=False)

    def __post_init__(self) -> None:
        # One time budget for the whole request, however many store calls it makes.
        self.deadline = time.monotonic() + self.services.request_timeout
        # Loaders still batch the keys of one tick on a socket, but keep nothing after it: a
        # socket lives for hours, and its operations must see the readings as they are now.
        self.readings = self._loader(Context._load_readings)
        self.latest = self._loader(Context._load_latest)
        self.registry = self._loader(Context._load_entries)

    def _loader(self, load: Callable[[Context, list[K]], Awaitable[list[V]]]) -> DataLoader[K, V]:
        """A loader that holds its context weakly: a bound method would make a reference cycle
        (context -> loader -> context), and the request's whole graph (its request, answer,
        executor, readings) would wait for the garbage collector instead of going as soon as
        the request is answered; that collection cost about 20 us a request."""
        context = weakref.ref(self)

        async def load_fn(keys: list[K]) -> list[V]:
            owner = context()
            if owner is None:  # the request is gone: nobody waits for these keys
                raise asyncio.CancelledError
            return await load(owner, keys)

        return DataLoader(load_fn=load_fn, cache=not self.socket)

    @property
    def store(self) -> ReadingStore:
        return self.services.store

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking store call on the pool, within the request's time budget."""
        loop = asyncio.get_running_loop()
        deadline = self.call_deadline()
        budget = Budget(deadline)

        def call() -> T:
            with within(budget):
                return fn(*args, **kwargs)

        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            # run_in_executor does not carry contextvars over to the thread: the request's
            # record (gql.observe.requestlog) must reach the store's observer there.
            context = contextvars.copy_context()
            return await asyncio.wait_for(
                loop.run_in_executor(self.services.executor, context.run, call), remaining
            )
        except TimeoutError:
            raise self._timed_out(budget) from None

    def call_deadline(self) -> float:
        # A socket lives for hours: each of its store calls gets a budget of its own.
        if self.socket:
            return time.monotonic() + self.services.request_timeout
        return self.deadline

    def _timed_out(self, budget: Budget | None) -> Exception:
        if budget is not None and budget.throttled:
            return ThrottledError("the database is throttling requests; retry later")
        return BackendUnavailableError(
            f"the database did not answer within {self.services.request_timeout:g} s"
        )

    async def _load_readings(self, keys: list[ReadingKey]) -> list[Reading | None]:
        # The keys join those of every other request in flight (gql/schema/batching.py).
        try:
            return await self.services.readings_by_key.load_many(keys, self.call_deadline())
        except BatchTimeoutError as exc:
            budget = exc.batch.state if exc.batch is not None else None
            raise self._timed_out(budget) from None

    async def _load_entries(self, device_ids: list[str]) -> list[Entry | None]:
        # Registry entries of all the devices of a request in one BatchGetItem.
        history = self.services.history
        if history is None:
            return [None] * len(device_ids)
        try:
            found = await self.run(history.entries, device_ids)
        except TableNotFoundError as exc:
            raise BackendUnavailableError(
                f"the device registry (table {history.db.table}) does not exist: create it "
                "with `gql table create`"
            ) from exc
        return [found.get(d) for d in device_ids]

    async def _load_latest(self, device_ids: list[str]) -> list[Reading | None]:
        # The devices join those of every other request in flight (gql/schema/batching.py):
        # a device asked for by several requests at once is queried once.
        try:
            return await self.services.latest_by_device.load_many(device_ids, self.call_deadline())
        except BatchTimeoutError as exc:
            budget = exc.batch.state if exc.batch is not None else None
            raise self._timed_out(budget) from None
