"""Mutation: putReading, updateReading, deleteReadingIf. Expected failures are union members."""

from __future__ import annotations

import strawberry

from gql.errors import ConditionFailedError, InputError, ReadingNotFoundError
from gql.models import ReadingKey
from gql.schema import inputs
from gql.schema.context import Context
from gql.schema.results import (
    ConditionFailed,
    DeleteReadingResult,
    PutReadingResult,
    ReadingNotFound,
    UpdateReadingResult,
)
from gql.schema.types import Reading


def _condition_failed(exc: ConditionFailedError) -> ConditionFailed:
    current = Reading.of(exc.current) if exc.current is not None else None
    return ConditionFailed(message=exc.message, current=current)


def _not_found(exc: ReadingNotFoundError) -> ReadingNotFound:
    return ReadingNotFound(
        message=exc.message,
        device_id=strawberry.ID(exc.key.device_id),
        datacount=exc.key.datacount,
    )


def _expected_version(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise InputError("expectedVersion: must be 0 or more (0: never written by this API)")
    return value


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Write a reading whole; version becomes 1 or old + 1.")
    async def put_reading(
        self,
        info: strawberry.Info[Context],
        reading: inputs.ReadingInput,
        if_not_exists: bool = False,
    ) -> PutReadingResult:
        key = ReadingKey(inputs.device_id(reading.device_id, "reading.deviceId"), reading.datacount)
        data = inputs.to_info(reading.info)
        try:
            written = await info.context.run(
                info.context.store.put, key, data, if_not_exists=if_not_exists
            )
        except ConditionFailedError as exc:
            return _condition_failed(exc)
        return Reading.of(written)

    @strawberry.mutation(description="Patch a reading's info; never creates a reading.")
    async def update_reading(
        self,
        info: strawberry.Info[Context],
        device_id: strawberry.ID,
        datacount: int,
        # Published as `info` by build_schema (see _publish_patch_as_info): Strawberry's
        # resolver wrapper takes `info` itself, so it cannot receive an argument of that name.
        patch: inputs.ReadingInfoPatch,
        expected_version: int | None = None,
        condition: inputs.ReadingCondition | None = None,
    ) -> UpdateReadingResult:
        key = ReadingKey(inputs.device_id(device_id), datacount)
        try:
            written = await info.context.run(
                info.context.store.update,
                key,
                inputs.to_patch(patch),
                expected_version=_expected_version(expected_version),
                condition=inputs.to_condition(condition, "condition"),
            )
        except ConditionFailedError as exc:
            return _condition_failed(exc)
        except ReadingNotFoundError as exc:
            return _not_found(exc)
        return Reading.of(written)

    @strawberry.mutation(description="Delete a reading if the condition holds; returns it.")
    async def delete_reading_if(
        self,
        info: strawberry.Info[Context],
        device_id: strawberry.ID,
        datacount: int,
        condition: inputs.ReadingCondition,
        expected_version: int | None = None,
    ) -> DeleteReadingResult:
        key = ReadingKey(inputs.device_id(device_id), datacount)
        try:
            deleted = await info.context.run(
                info.context.store.delete_if,
                key,
                condition=inputs.to_condition(condition, "condition"),
                expected_version=_expected_version(expected_version),
            )
        except ConditionFailedError as exc:
            return _condition_failed(exc)
        except ReadingNotFoundError as exc:
            return _not_found(exc)
        return Reading.of(deleted)
