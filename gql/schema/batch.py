"""Mutation.putReadings: up to 100 readings in one call, one by one or all or nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import strawberry

from gql import models
from gql.errors import ConditionFailedError, GqlError, InputError
from gql.schema import inputs
from gql.schema.context import Context
from gql.schema.results import ConditionFailed, PutReadingResult
from gql.schema.types import Reading
from gql.store import MAX_READINGS, AtomicBatch, Outcome


@strawberry.type(description="The outcome of putReadings.")
class PutReadingsResult:
    results: list[PutReadingResult] = strawberry.field(
        description="One result per input reading, in input order."
    )
    written: int = strawberry.field(description="How many readings were written.")


@strawberry.type
class BatchMutation:
    @strawberry.mutation(
        description="Up to 100 readings in one call. atomic: all or none (one transaction)."
    )
    async def put_readings(
        self,
        info: strawberry.Info[Context],
        readings: list[inputs.ReadingInput],
        if_not_exists: bool = False,
        atomic: bool = False,
    ) -> PutReadingsResult:
        batch = to_readings(readings)
        context = info.context
        if atomic:
            writer = AtomicBatch(context.store.db)
            outcomes = await context.run(writer.put, batch, if_not_exists=if_not_exists)
        else:
            outcomes = await _one_by_one(context, batch, if_not_exists=if_not_exists)
        results = [_result(outcome) for outcome in outcomes]
        return PutReadingsResult(
            results=results, written=sum(isinstance(r, Reading) for r in results)
        )


def to_readings(readings: Sequence[inputs.ReadingInput]) -> list[models.Reading]:
    """Every reading validated before anything is written; errors name the reading's index."""
    if len(readings) > MAX_READINGS:
        raise InputError(f"readings: at most {MAX_READINGS} readings per call, got {len(readings)}")
    batch: list[models.Reading] = []
    seen: dict[models.ReadingKey, int] = {}
    for index, reading in enumerate(readings):
        where = f"readings[{index}]"
        key = models.ReadingKey(
            inputs.device_id(reading.device_id, f"{where}.deviceId"), reading.datacount
        )
        if key in seen:
            raise InputError(
                f"{where}: the same key (deviceId {key.device_id!r}, datacount {key.datacount}) "
                f"as readings[{seen[key]}]; give each reading once"
            )
        seen[key] = index
        data = inputs.to_info(reading.info, f"{where}.info")
        batch.append(models.Reading(key.device_id, key.datacount, data))
    return batch


async def _one_by_one(
    context: Context, batch: list[models.Reading], *, if_not_exists: bool
) -> list[Outcome]:
    """Concurrent single-reading writes: each succeeds or fails on its own."""
    store = context.store
    settled = await asyncio.gather(
        *(context.run(store.put, r.key, r.info, if_not_exists=if_not_exists) for r in batch),
        return_exceptions=True,
    )
    outcomes: list[Outcome] = []
    failures: list[tuple[int, BaseException]] = []
    for index, value in enumerate(settled):
        if isinstance(value, models.Reading | ConditionFailedError):
            outcomes.append(value)
        else:
            failures.append((index, value))
    if failures:
        index, error = failures[0]
        if not isinstance(error, GqlError):
            raise error
        written = sum(isinstance(s, models.Reading) for s in settled)
        # The union has no member for "the database failed": the whole field fails, and says
        # what was written, so that the caller knows what a retry will overwrite.
        error.message = (
            f"readings[{index}]: {error.message} ({len(failures)} of {len(batch)} readings "
            f"failed this way; {written} were written)"
        )
        error.args = (error.message,)
        raise error
    return outcomes


def _result(outcome: Outcome) -> Reading | ConditionFailed:
    if isinstance(outcome, ConditionFailedError):
        current = Reading.of(outcome.current) if outcome.current is not None else None
        return ConditionFailed(message=outcome.message, current=current)
    return Reading.of(outcome)
