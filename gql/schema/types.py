"""The output types: Reading, ReadingInfo, Device, connections and the union results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from gql import models
from gql.errors import InputError
from gql.schema.context import Context, Cursors
from gql.schema.inputs import DatacountCondition, ReadingCondition, TimeRange

if TYPE_CHECKING:
    from gql.schema.history import ReadingStats, SeriesBucket


@strawberry.enum(description="Order of readings by datacount.")
class SortOrder(Enum):
    ASC = "ASC"
    DESC = "DESC"


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(description="The `info` map of a reading.")
class ReadingInfo:
    info_timestamp: str = strawberry.field(description='As stored, e.g. "1612519200".')
    temperature1: float | None
    temperature2: float | None
    temperature3: float | None
    temperature4: float | None
    temperature5: float | None

    @strawberry.field(description="infoTimestamp (epoch seconds) as an instant; null if not one.")
    def recorded_at(self) -> datetime | None:
        try:
            seconds = Decimal(self.info_timestamp.strip())
            return datetime.fromtimestamp(float(seconds), tz=UTC)
        except (ArithmeticError, ValueError, OverflowError, OSError):
            return None

    @classmethod
    def of(cls, info: models.ReadingInfo) -> ReadingInfo:
        return cls(
            info_timestamp=info.info_timestamp,
            temperature1=_float(info.temperature1),
            temperature2=_float(info.temperature2),
            temperature3=_float(info.temperature3),
            temperature4=_float(info.temperature4),
            temperature5=_float(info.temperature5),
        )


@strawberry.type(description="One reading of one device, keyed by deviceId and datacount.")
class Reading(relay.Node):
    device_id: strawberry.ID
    datacount: int
    info: ReadingInfo
    version: int | None = strawberry.field(
        description="Optimistic-lock counter; null on items written outside this API."
    )

    @strawberry.field(description="The device this reading belongs to.")
    def device(self) -> Device:
        return Device(device_id=self.device_id)

    @classmethod
    def of(cls, reading: models.Reading) -> Reading:
        return cls(
            device_id=strawberry.ID(reading.device_id),
            datacount=reading.datacount,
            info=ReadingInfo.of(reading.info),
            version=reading.version,
        )

    @classmethod
    def resolve_id(cls, root: Reading, *, info: strawberry.Info) -> str:
        return f"{root.datacount}:{root.device_id}"

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: strawberry.Info[Context],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Reading | None]:
        keys = [_key_of_node_id(node_id) for node_id in node_ids]
        found = await info.context.readings.load_many(keys)
        return [cls.of(r) if r is not None else None for r in found]


def _key_of_node_id(node_id: str) -> models.ReadingKey:
    # The datacount comes first: a device id may itself contain a colon.
    datacount, sep, device_id = node_id.partition(":")
    if sep and device_id and datacount.lstrip("-").isdigit():
        return models.ReadingKey(device_id, int(datacount))
    raise InputError(f"id: {node_id!r} is not the id of a reading")


@strawberry.type(description="A device is the partition that holds its readings.")
class Device:
    device_id: strawberry.ID

    @strawberry.field(description="This device's readings in datacount order.")
    async def readings(
        self,
        info: strawberry.Info[Context],
        datacount: DatacountCondition | None = None,
        filter: ReadingCondition | None = None,
        order: SortOrder = SortOrder.ASC,
        first: int = 25,
        after: str | None = None,
        recorded_at: TimeRange | None = None,
    ) -> ReadingConnection:
        # Imported here: pages builds these types, so it cannot be imported at the top.
        from gql.schema.pages import device_readings

        return await device_readings(
            info,
            field="Device.readings",
            device_id=self.device_id,
            datacount=datacount,
            filter=filter,
            order=order,
            first=first,
            after=after,
            consistent=False,
            recorded_at=recorded_at,
        )

    @strawberry.field(description="Statistics over this device's readings; no argument: all.")
    async def stats(
        self,
        info: strawberry.Info[Context],
        datacount: DatacountCondition | None = None,
        recorded_at: TimeRange | None = None,
        filter: ReadingCondition | None = None,
    ) -> Annotated[ReadingStats, strawberry.lazy("gql.schema.history")]:
        from gql.schema.history import device_stats

        return await device_stats(info, self.device_id, datacount, recorded_at, filter)

    @strawberry.field(
        description="Readings summarised in consecutive time buckets of bucketSeconds, oldest "
        "first, for charts; buckets without readings are left out."
    )
    async def series(
        self,
        info: strawberry.Info[Context],
        recorded_at: TimeRange,
        bucket_seconds: int,
        filter: ReadingCondition | None = None,
        datacount: DatacountCondition | None = None,
    ) -> list[Annotated[SeriesBucket, strawberry.lazy("gql.schema.history")]]:
        from gql.schema.history import device_series

        return await device_series(
            info, self.device_id, recorded_at, bucket_seconds, filter, datacount
        )

    @strawberry.field(description="The reading with the highest datacount; null when none.")
    async def latest_reading(self, info: strawberry.Info[Context]) -> Reading | None:
        reading = await info.context.latest.load(str(self.device_id))
        return Reading.of(reading) if reading is not None else None


@strawberry.type(description="A page of readings.")
class ReadingConnection:
    edges: list[ReadingEdge]
    page_info: relay.PageInfo


@strawberry.type(description="A reading and the cursor to resume after it.")
class ReadingEdge:
    # The cursor is signed only when a client selects it: a page of 100 would otherwise sign
    # 100 cursors that most clients (who read pageInfo.endCursor) never look at.
    key: strawberry.Private[models.ReadingKey]
    scope: strawberry.Private[str]
    cursors: strawberry.Private[Cursors]
    issued: strawberry.Private[float]
    cursor: str = strawberry.field(
        resolver=lambda root: root.cursors.encode(root.key, root.scope, now=root.issued)
    )
    node: Reading


@strawberry.type(description="The condition or expectedVersion did not hold; nothing changed.")
class ConditionFailed:
    message: str
    current: Reading | None = strawberry.field(description="The reading as it stands now.")


@strawberry.type(description="No reading has this key; nothing changed.")
class ReadingNotFound:
    message: str
    device_id: strawberry.ID
    datacount: int


PutReadingResult = Annotated[Reading | ConditionFailed, strawberry.union("PutReadingResult")]
UpdateReadingResult = Annotated[
    Reading | ConditionFailed | ReadingNotFound, strawberry.union("UpdateReadingResult")
]
DeleteReadingResult = Annotated[
    Reading | ConditionFailed | ReadingNotFound,
    strawberry.union("DeleteReadingResult", description="Reading = the reading deleted."),
]
