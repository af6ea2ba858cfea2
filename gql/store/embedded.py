"""The zero-setup backend: DynamoDB emulated in this process by moto, in memory.

Used when nothing points the server at a real DynamoDB. In-process moto is not thread-safe
(it loses concurrent updates), so every request to it is serialized by one lock.

In-process moto serves no DynamoDB Streams, and nothing but this server writes to the embedded
table, so the store publishes its own writes instead: `PublishingDynamoDB` reads the items a
write touches before and after it (under the lock, so nothing comes between) and hands each
change to `on_change`, in the order the writes were made. It works at the level of DynamoDB
calls, so every write publishes, whichever store method made it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from moto import mock_aws

from gql.models import Change, ChangeKind, ReadingKey
from gql.store.budget import Budget, within
from gql.store.client import DynamoDB, make_client
from gql.store.codec import from_item, key_from_item, key_to_item
from gql.store.readings import ReadingStore
from gql.store.records import StreamRecord
from gql.store.tables import Tables
from gql.store.timeindex import fix_for, index_only

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from gql.config import Settings

OnChange = Callable[[Change], None]


class Deriving(Protocol):
    """What derives the embedded table's writes (gql/derive/inprocess.py): told of a write
    while it is still under the lock (`begin`), then given its records after (`derive`)."""

    def begin(self) -> object: ...
    def derive(self, records: Sequence[StreamRecord], write: object) -> None: ...


WRITES = frozenset(
    {"put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items"}
)


class PublishingDynamoDB(DynamoDB):
    """A DynamoDB whose successful writes are published as changes, with both images."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        lock: threading.Lock,
        on_change: OnChange,
        clock: Callable[[], float] = time.time,
        deriving: Deriving | None = None,
    ) -> None:
        # The base class gets no lock: this one holds it around the reads and the write.
        super().__init__(client, table)
        self._write_lock = lock
        self.on_change = on_change
        self.deriving = deriving
        self._clock = clock

    def sibling(self, table: str) -> DynamoDB:
        # Another table of the same moto: serialized by the same lock, published by nobody.
        return DynamoDB(self.client, table, lock=self._write_lock, observer=self.observer)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        records: list[StreamRecord] = []
        with self._write_lock:
            keys = list(dict.fromkeys(self._written_keys(operation, params)))
            if not keys:
                return super().call(operation, **params)
            before = {key: self._item(key) for key in keys}
            response = super().call(operation, **params)  # a failed write publishes nothing
            changed_at = self._clock()
            # The write is made: reading what it left must not fail on the request's time
            # budget, or a change that happened would go unpublished.
            with _unbounded():
                after = {key: self._item(key) for key in keys}
            for key in keys:
                change = _change(key, before[key], after[key], changed_at)
                if change is not None:
                    # Still under the lock: changes are published in the order of the writes.
                    self.on_change(change)
                    records.append(StreamRecord(change, fix_for(key, after[key]), False))
            write = self.deriving.begin() if self.deriving is not None and records else None
        if self.deriving is not None and records:
            # Out of the lock: deriving reads and writes the tables through it too.
            with _unbounded():
                self.deriving.derive(records, write)
        return response

    def _item(self, key: ReadingKey) -> dict[str, Any] | None:
        response = super().call(
            "get_item", TableName=self.table, Key=key_to_item(key), ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _written_keys(self, operation: str, params: dict[str, Any]) -> Iterator[ReadingKey]:
        if operation not in WRITES:
            return
        if operation == "batch_write_item":
            for request in params.get("RequestItems", {}).get(self.table, []):
                yield from _keys_of([request.get("PutRequest"), request.get("DeleteRequest")])
        elif operation == "transact_write_items":
            for action in params.get("TransactItems", []):
                yield from _keys_of(
                    a
                    for a in (action.get("Put"), action.get("Update"), action.get("Delete"))
                    if a is not None and a.get("TableName") == self.table
                )
        elif params.get("TableName") == self.table:
            yield from _keys_of([params])


@contextmanager
def _unbounded() -> Iterator[None]:
    """Calls of this thread without a deadline, then the caller's budget back."""
    with within(Budget(math.inf)):
        yield


def _keys_of(requests: Iterable[dict[str, Any] | None]) -> Iterator[ReadingKey]:
    for request in requests:
        if request is not None:
            yield key_from_item(request.get("Key") or request["Item"])


def _change(
    key: ReadingKey, old: dict[str, Any] | None, new: dict[str, Any] | None, changed_at: float
) -> Change | None:
    # Like DynamoDB Streams: a write that left the item as it was records nothing; a write of
    # the time index alone changed no reading.
    if old == new or index_only(old, new):
        return None
    if old is None:
        kind = ChangeKind.INSERT
    elif new is None:
        kind = ChangeKind.REMOVE
    else:
        kind = ChangeKind.MODIFY
    return Change(
        kind,
        key,
        from_item(new) if new is not None else None,
        from_item(old) if old is not None else None,
        changed_at,
    )


def publishing_store(
    client: DynamoDBClient,
    table: str,
    *,
    lock: threading.Lock,
    on_change: OnChange,
    read_budget: int = 1000,
    sleep: Callable[[float], None] = time.sleep,
    deriving: Deriving | None = None,
) -> ReadingStore:
    """A store over moto whose writes are published to `on_change`."""
    store = ReadingStore(client, table, lock=lock, read_budget=read_budget, sleep=sleep)
    store.db = PublishingDynamoDB(client, table, lock=lock, on_change=on_change, deriving=deriving)
    return store


def _ignore(change: Change) -> None:
    pass


@dataclass
class Embedded:
    client: DynamoDBClient
    lock: threading.Lock
    _mock: Any
    on_change: OnChange = field(default=_ignore)
    deriving: Deriving | None = None

    def store(self, table: str, *, read_budget: int = 1000) -> ReadingStore:
        return publishing_store(
            self.client,
            table,
            lock=self.lock,
            on_change=self.on_change,
            read_budget=read_budget,
            deriving=self.deriving,
        )

    def close(self) -> None:
        self._mock.stop()


def start_embedded(settings: Settings, on_change: OnChange = _ignore) -> Embedded:
    """Start moto, create the table in it, and return a client bound to it."""
    mock = mock_aws()
    mock.start()
    client = make_client(
        settings,
        endpoint_url=None,
        aws_access_key_id="embedded",
        aws_secret_access_key="embedded",  # noqa: S106 - moto accepts any credentials
        aws_session_token=None,
    )
    lock = threading.Lock()
    Tables(DynamoDB(client, settings.table, lock=lock), history=settings.history_name).create(
        wait=True
    )
    return Embedded(client=client, lock=lock, _mock=mock, on_change=on_change)
