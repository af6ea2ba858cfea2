"""The consumer's side of the relay: every derived change appended to `<table>:changes`.

It is the consumer's sink (gql/derive/consumer.py): called after a batch is derived and
before it is checkpointed, so a crash replays the batch here too. The append is idempotent:
a change whose token (its reading and DynamoDB sequence number) is still among the stream's
entries is skipped inside the same Lua script that appends the others (scripts.py), so a
consumer's replay or a Lambda retry never appends a change twice. Each call of the script is
atomic; a batch is appended in chunks, and a chunk that fails (Redis unreachable) raises
RelayUnavailableError: the consumer then reads the batch again, and what was appended before
the failure is skipped that time.

Blocking, with redis-py's synchronous client: the consumer runs on a thread of its own (or in
a Lambda invocation), never on an event loop.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence

import redis

from gql.errors import RelayUnavailableError
from gql.models import Change
from gql.relay.codec import change_to_text, token
from gql.relay.scripts import APPEND, keys

log = logging.getLogger("gql.relay")

CHUNK = 500  # changes per script call: one call blocks Redis for its whole length


def fresh_epoch() -> str:
    return secrets.token_hex(8)


class Appender:
    def __init__(
        self,
        client: redis.Redis,
        table: str,
        *,
        maxlen: int = 100_000,
        on_append: Callable[[int, int], None] | None = None,
    ) -> None:
        self.client = client
        self.table = table
        self.maxlen = maxlen
        self.keys = keys(table)
        self._script = client.register_script(APPEND)
        # What this appender last appended, in which epoch: the script checks that the stream
        # still holds it (a Redis restarted from an older snapshot does not).
        self.epoch = ""
        self.last_id = ""
        self.appended = 0
        self.skipped = 0
        # (appended, skipped) of each call, for metrics.
        self._on_append = on_append

    @classmethod
    def from_url(cls, url: str, table: str, *, maxlen: int = 100_000) -> Appender:
        client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        return cls(client, table, maxlen=maxlen)

    def __call__(self, changes: Sequence[Change]) -> None:
        self.append(changes)

    def append(self, changes: Sequence[Change]) -> int:
        """Append the changes not appended before, in order; the number appended."""
        appended = 0
        for start in range(0, len(changes), CHUNK):
            appended += self._append(changes[start : start + CHUNK])
        return appended

    def _append(self, chunk: Sequence[Change]) -> int:
        args: list[str | bytes | int] = [self.maxlen, fresh_epoch(), self.epoch, self.last_id]
        for change in chunk:
            args += [token(change) if change.sequence else "", change_to_text(change)]
        try:
            reply = self._script(keys=self.keys, args=args)
        except redis.RedisError as exc:
            raise RelayUnavailableError(
                f"could not append changes to the Redis stream {self.keys[0]}: {type(exc).__name__}"
            ) from exc
        epoch, last, appended, skipped = (_text(reply[0]), _text(reply[1]), reply[2], reply[3])
        if epoch != self.epoch:
            if self.epoch:
                log.warning(
                    "relay: the Redis stream %s began anew (epoch %s, was %s): Redis lost "
                    "changes, and the replicas' subscriptions end with STREAM_GAP",
                    self.keys[0],
                    epoch,
                    self.epoch,
                )
            self.epoch, self.last_id = epoch, ""
        if last:
            self.last_id = last
        self.appended += int(appended)
        self.skipped += int(skipped)
        if self._on_append is not None:
            self._on_append(int(appended), int(skipped))
        return int(appended)

    def close(self) -> None:
        self.client.close()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
