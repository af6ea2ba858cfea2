"""What every resolver gets: the store, a thread pool for its blocking calls, cursors, loaders."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from gql.cursor import decode_cursor, encode_cursor
from gql.errors import BackendUnavailableError, ThrottledError
from gql.models import Reading, ReadingKey
from gql.store.client import Budget, within

if TYPE_CHECKING:
    from gql.config import Settings
    from gql.metrics import Metrics
    from gql.store.readings import ReadingStore

log = logging.getLogger("gql.schema")
T = TypeVar("T")


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

    def encode(self, key: ReadingKey, scope: str) -> str:
        return encode_cursor(
            key, scope=scope, secret=self.secrets[0], now=self.clock(), ttl_seconds=self.ttl_seconds
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
    # For what the schema counts itself (subscriptions opened and ended); None: metrics off.
    metrics: Metrics | None = None


@dataclass
class Context:
    """Built per request: loaders cache only within one request."""

    services: Services
    request: Any = None
    response: Any = None
    readings: DataLoader[ReadingKey, Reading | None] = field(init=False)
    latest: DataLoader[str, Reading | None] = field(init=False)

    def __post_init__(self) -> None:
        # One time budget for the whole request, however many store calls it makes.
        self.deadline = time.monotonic() + self.services.request_timeout
        self.readings = DataLoader(load_fn=self._load_readings)
        self.latest = DataLoader(load_fn=self._load_latest)

    @property
    def store(self) -> ReadingStore:
        return self.services.store

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking store call on the pool, within the request's time budget."""
        loop = asyncio.get_running_loop()
        budget = Budget(self.deadline)

        def call() -> T:
            with within(budget):
                return fn(*args, **kwargs)

        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            # run_in_executor does not carry contextvars over to the thread: the request's
            # record (gql.requestlog) must reach the store's observer there.
            context = contextvars.copy_context()
            return await asyncio.wait_for(
                loop.run_in_executor(self.services.executor, context.run, call), remaining
            )
        except TimeoutError:
            if budget.throttled:
                raise ThrottledError("the database is throttling requests; retry later") from None
            raise BackendUnavailableError(
                f"the database did not answer within {self.services.request_timeout:g} s"
            ) from None

    async def _load_readings(self, keys: list[ReadingKey]) -> list[Reading | None]:
        # One BatchGetItem for every reading asked for by key in this request; a lone key is
        # a GetItem, which DynamoDB answers faster.
        if len(keys) == 1:
            return [await self.run(self.store.get, keys[0])]
        found = await self.run(self.store.batch_get, keys)
        return [found.get(key) for key in keys]

    async def _load_latest(self, device_ids: list[str]) -> list[Reading | None]:
        # One Query per device (DynamoDB has no batch query); they run concurrently.
        return list(await asyncio.gather(*(self.run(self.store.latest, d) for d in device_ids)))
