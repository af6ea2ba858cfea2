"""Subscription: readingChanges, thin over the hub (gql/live/hub.py).

A LiveError raised while the subscription runs (SLOW_CONSUMER, STREAM_GAP, STREAM_DISABLED)
leaves this generator; Strawberry then sends one result with `data: null` and the error
(coded by ErrorCodes, like any other) and completes the operation: a `next` then `complete`
over graphql-transport-ws, a `data` then `complete` over graphql-ws.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from enum import Enum

import strawberry

from gql import models
from gql.errors import GqlError, InputError, StreamDisabledError
from gql.live import Interest
from gql.schema import inputs
from gql.schema.context import Context
from gql.schema.types import Reading


@strawberry.enum(description="What happened to a reading.")
class ChangeKind(Enum):
    INSERT = "INSERT"
    MODIFY = "MODIFY"
    REMOVE = "REMOVE"


@strawberry.type(description="One change to a reading, as DynamoDB recorded it.")
class ReadingChange:
    kind: ChangeKind
    device_id: strawberry.ID
    datacount: int
    reading: Reading | None = strawberry.field(
        description="The reading after the change; null for REMOVE."
    )
    previous: Reading | None = strawberry.field(
        description="The reading before the change; null for INSERT."
    )
    changed_at: datetime = strawberry.field(description="When DynamoDB recorded the change.")

    @classmethod
    def of(cls, change: models.Change) -> ReadingChange:
        return cls(
            kind=ChangeKind(change.kind.value),
            device_id=strawberry.ID(change.key.device_id),
            datacount=change.key.datacount,
            reading=Reading.of(change.new) if change.new is not None else None,
            previous=Reading.of(change.old) if change.old is not None else None,
            changed_at=datetime.fromtimestamp(change.changed_at, tz=UTC),
        )


def to_interest(
    device_id: str | None,
    filter: inputs.ReadingCondition | None,
    kinds: list[ChangeKind] | None,
) -> Interest:
    if kinds is not None and not kinds:
        raise InputError("kinds: give at least one kind, or leave kinds out for all three")
    return Interest(
        device_id=inputs.device_id(device_id) if device_id is not None else None,
        kinds=None if kinds is None else frozenset(models.ChangeKind(k.value) for k in kinds),
        condition=inputs.to_condition(filter, "filter"),
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Every change to a reading that DynamoDB records, whoever made it: this "
        "API, a script, another service."
    )
    async def reading_changes(
        self,
        info: strawberry.Info[Context],
        device_id: strawberry.ID | None = None,
        filter: inputs.ReadingCondition | None = None,
        kinds: list[ChangeKind] | None = None,
    ) -> AsyncGenerator[ReadingChange, None]:
        started = time.perf_counter()
        codes: list[str] = []
        try:
            interest = to_interest(device_id, filter, kinds)
            hub = info.context.services.hub
            if hub is None:
                raise StreamDisabledError("live changes are not served by this server")
            async with hub.subscribe(interest) as changes:
                info.context.subscribers.add(changes)
                try:
                    async for change in changes:
                        yield ReadingChange.of(change)
                finally:
                    info.context.subscribers.discard(changes)
        except GqlError as exc:
            codes.append(exc.code)
            raise
        finally:
            # A subscription is one request that lasts: counted once, when it ends, with the
            # code that ended it (the HTTP edge never sees what runs over a socket).
            metrics = info.context.services.metrics
            if metrics is not None and not info.context.shared:
                outcome = "error" if codes else "ok"
                metrics.record_request(
                    "subscription", outcome, time.perf_counter() - started, codes
                )
