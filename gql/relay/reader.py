"""A replica's side of the relay: the changes of `<table>:changes`, read back in order.

`RelaySource` is the hub's change source when GQL_REDIS_URL is set (gql/live/hub.py): `open`
starts at the stream's end, `poll` returns what was appended after the last entry it returned
(waiting up to `block_seconds` for something new), `close` forgets the place. The place is
the id of the last entry returned, so a replica that loses Redis goes on after it once Redis
answers again, and delivers nothing twice: each read is a Lua script (scripts.READ) that first
checks that nothing between that entry and the next was lost, and raises StreamGapError if:

- the stream's epoch changed: Redis restarted empty, or came back from an older snapshot;
- the stream's last id is before the place: entries this replica delivered are gone;
- an entry after the place was trimmed (MAXLEN) before it was read: the replica fell further
  behind than the stream keeps (told by XINFO STREAM's entries-added and length).

A change whose token was already returned (appended twice, which the appender's script rules
out while the first copy is still in the stream) is dropped here too: the last TOKENS tokens
are remembered. Errors talking to Redis are RelayUnavailableError, which the hub retries.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gql.errors import RelayUnavailableError, StreamGapError
from gql.models import Change
from gql.relay.appender import fresh_epoch
from gql.relay.codec import change_from_text, token
from gql.relay.scripts import OPEN, READ, keys

log = logging.getLogger("gql.relay")

TOKENS = 10_000
READ_COUNT = 1000

GAPS = {
    "epoch": "Redis lost the relay's changes (restarted without them, or from an older copy)",
    "deleted": "the relay's Redis stream was deleted",
    "behind": "Redis lost changes this server had already delivered (restarted from an older copy)",
    "trimmed": "changes were trimmed from the relay's Redis stream before this server read "
    "them (it fell more than GQL_REDIS_STREAM_MAXLEN changes behind)",
}


class RelaySource:
    def __init__(
        self,
        client: aioredis.Redis,
        table: str,
        *,
        block_seconds: float = 1.0,
        on_read: Callable[[list[float]], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.table = table
        self.keys = keys(table)
        self.block_seconds = block_seconds
        self._open = client.register_script(OPEN)
        self._read = client.register_script(READ)
        # The lag of each change read, in seconds from its append (the entry id's millisecond).
        self._on_read = on_read
        self._clock = clock
        self.epoch: str | None = None
        self.position: str | None = None
        self.ordinal = 0  # how many entries the stream had added up to `position`
        self._tokens: OrderedDict[str, None] = OrderedDict()

    @classmethod
    def from_url(cls, url: str, table: str, **kwargs: Any) -> RelaySource:
        block = kwargs.get("block_seconds", 1.0)
        client = aioredis.Redis.from_url(
            url, socket_timeout=block + 10, socket_connect_timeout=5, health_check_interval=30
        )
        return cls(client, table, **kwargs)

    async def open(self) -> None:
        """Start at the stream's end: changes appended from now on."""
        reply = await self._call(self._open(keys=self.keys[:2], args=[fresh_epoch()]))
        self.epoch, self.position, self.ordinal = _text(reply[0]), _text(reply[1]), int(reply[2])
        self._tokens.clear()
        log.info("reading live changes from the Redis stream %s", self.keys[0])

    async def poll(self) -> list[Change]:
        """What was appended after the place; [] when nothing came within block_seconds."""
        if self.epoch is None or self.position is None:
            raise RelayUnavailableError("the relay reader is not open")
        changes = await self._next()
        if changes is not None:
            return changes
        stream = self.keys[0]
        woke = await self._call(
            self.client.xread(
                {stream: self.position}, count=1, block=max(1, int(self.block_seconds * 1000))
            )
        )
        return (await self._next() or []) if woke else []

    def close(self) -> None:
        self.epoch = self.position = None

    async def aclose(self) -> None:
        self.close()
        await self.client.aclose()

    async def _next(self) -> list[Change] | None:
        """The entries after the place, checked; None when there are none."""
        args: list[str | int] = [self.epoch or "", self.position or "", self.ordinal, READ_COUNT]
        reply = await self._call(self._read(keys=self.keys[:2], args=args))
        if _text(reply[0]) == "gap":
            why = _text(reply[1])
            raise StreamGapError(
                f"{GAPS.get(why, why)}; changes may have been missed: re-read with queries and "
                "subscribe again"
            )
        entries = reply[1]
        if not entries:
            return None
        now = self._clock()
        changes: list[Change] = []
        lags: list[float] = []
        for entry_id, fields in entries:
            self.position = _text(entry_id)
            self.ordinal += 1
            change = self._decode(self.position, fields)
            if change is None or self._seen(change):
                continue
            changes.append(change)
            lags.append(max(0.0, now - int(self.position.partition("-")[0]) / 1000))
        if self._on_read is not None and lags:
            self._on_read(lags)
        return changes

    def _decode(self, entry_id: str, fields: list[bytes]) -> Change | None:
        found = dict(zip(fields[::2], fields[1::2], strict=False))
        try:
            return change_from_text(found[b"c"])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            log.warning("relay: skipped entry %s of %s, which is no change", entry_id, self.keys[0])
            return None

    def _seen(self, change: Change) -> bool:
        if not change.sequence:
            return False
        mark = token(change)
        if mark in self._tokens:
            log.info("relay: dropped a change delivered already (%s)", mark)
            return True
        self._tokens[mark] = None
        if len(self._tokens) > TOKENS:
            self._tokens.popitem(last=False)
        return False

    async def _call(self, pending: Any) -> Any:
        try:
            return await pending
        except RedisError as exc:
            raise RelayUnavailableError(
                f"the Redis stream {self.keys[0]} could not be read ({type(exc).__name__})"
            ) from exc


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
