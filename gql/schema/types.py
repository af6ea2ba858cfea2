"""The output types whose fields lead back to a reading: Reading, Device, pages and stats.

They refer to one another, so they live in one module; what they are built from is computed
below them (gql/schema/pages.py, history.py), and the leaf types are in values.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from gql import models
from gql.errors import InputError
from gql.schema import history, pages, registry
from gql.schema.context import Context, Cursors
from gql.schema.inputs import DatacountCondition, ReadingCondition, TimeRange
from gql.schema.values import (
    TEMPERATURES,
    FieldStats,
    ReadingInfo,
    SeriesBucket,
    SortOrder,
    moment,
)
from gql.store import Entry, Stats


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


async def _reading(context: Context, key: models.ReadingKey | None) -> Reading | None:
    # first and last are read whole only when asked for, both in one BatchGetItem.
    if key is None:
        return None
    found = await context.readings.load(key)
    return Reading.of(found) if found is not None else None


@strawberry.type(description="A device is the partition that holds its readings.")
class Device:
    device_id: strawberry.ID
    # Its registry entry, when the page that made it read it already (Query.devices).
    entry: strawberry.Private[Entry | None] = None

    async def _entry(self, info: strawberry.Info[Context]) -> Entry | None:
        if self.entry is not None:
            return self.entry
        return await info.context.registry.load(str(self.device_id))

    @strawberry.field(description="How many readings the device has (from the device registry).")
    async def reading_count(self, info: strawberry.Info[Context]) -> int:
        entry = await self._entry(info)
        return entry.total.count if entry is not None else 0

    @strawberry.field(
        description="Lowest info.infoTimestamp among its readings; null when it has none that "
        "is numeric."
    )
    async def first_recorded_at(self, info: strawberry.Info[Context]) -> datetime | None:
        entry = await self._entry(info)
        earliest = entry.total.earliest if entry is not None else None
        return moment(earliest) if earliest is not None else None

    @strawberry.field(
        description="Highest info.infoTimestamp among its readings; null when it has none that "
        "is numeric."
    )
    async def last_recorded_at(self, info: strawberry.Info[Context]) -> datetime | None:
        entry = await self._entry(info)
        latest = entry.total.latest if entry is not None else None
        return moment(latest) if latest is not None else None

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
        listing = await pages.device_page(
            info.context,
            field="Device.readings",
            device_id=self.device_id,
            datacount=datacount,
            filter=filter,
            order=models.Order(order.value),
            first=first,
            after=after,
            consistent=False,
            recorded_at=recorded_at,
        )
        return ReadingConnection.of(info.context, listing)

    @strawberry.field(description="Statistics over this device's readings; no argument: all.")
    async def stats(
        self,
        info: strawberry.Info[Context],
        datacount: DatacountCondition | None = None,
        recorded_at: TimeRange | None = None,
        filter: ReadingCondition | None = None,
    ) -> ReadingStats:
        stats = await history.device_stats(
            info.context, self.device_id, datacount, recorded_at, filter
        )
        return ReadingStats.of(stats)

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
    ) -> list[SeriesBucket]:
        buckets = await history.device_series(
            info.context, self.device_id, recorded_at, bucket_seconds, filter, datacount
        )
        return [SeriesBucket.of(bucket) for bucket in buckets]

    @strawberry.field(description="The reading with the highest datacount; null when none.")
    async def latest_reading(self, info: strawberry.Info[Context]) -> Reading | None:
        reading = await info.context.latest.load(str(self.device_id))
        return Reading.of(reading) if reading is not None else None


@strawberry.type(description="A page of readings.")
class ReadingConnection:
    edges: list[ReadingEdge]
    page_info: relay.PageInfo

    @classmethod
    def of(cls, context: Context, listing: pages.Listing) -> ReadingConnection:
        page, scope, cursors = listing.page, listing.scope, context.services.cursors
        issued = cursors.clock()  # one time for the whole page: its cursors expire together
        edges = [
            ReadingEdge(key=r.key, scope=scope, cursors=cursors, issued=issued, node=Reading.of(r))
            for r in page.readings
        ]
        # When the read budget ran out, the page ends where DynamoDB stopped reading, which may
        # be past its last reading: endCursor resumes from there, so no page is read twice.
        end = page.resume or (page.readings[-1].key if page.readings else None)
        return cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_more,
                has_previous_page=listing.resumed,
                start_cursor=cursors.encode(edges[0].key, scope, now=issued) if edges else None,
                end_cursor=cursors.encode(end, scope, now=issued) if end is not None else None,
            ),
        )


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


@strawberry.type(description="Statistics over the readings of a device that match.")
class ReadingStats:
    count: int
    complete: bool = strawberry.field(
        description="False when the read budget ran out first: the figures then cover the "
        "readings read so far."
    )
    first_key: strawberry.Private[models.ReadingKey | None]
    last_key: strawberry.Private[models.ReadingKey | None]
    temperature1: FieldStats
    temperature2: FieldStats
    temperature3: FieldStats
    temperature4: FieldStats
    temperature5: FieldStats

    @strawberry.field(description="The matching reading with the lowest datacount.")
    async def first(self, info: strawberry.Info[Context]) -> Reading | None:
        return await _reading(info.context, self.first_key)

    @strawberry.field(description="The matching reading with the highest datacount.")
    async def last(self, info: strawberry.Info[Context]) -> Reading | None:
        return await _reading(info.context, self.last_key)

    @classmethod
    def of(cls, stats: Stats) -> ReadingStats:
        figures = stats.figures
        return cls(
            count=figures.count,
            complete=stats.complete,
            first_key=figures.first,
            last_key=figures.last,
            **{name: FieldStats.of(figures.of(name)) for name in TEMPERATURES},
        )


@strawberry.type(description="A page of devices, in deviceId order.")
class DeviceConnection:
    edges: list[DeviceEdge]
    page_info: relay.PageInfo

    @classmethod
    def of(cls, context: Context, listing: registry.DeviceListing) -> DeviceConnection:
        cursors = context.services.cursors
        issued = cursors.clock()
        edges = [
            DeviceEdge(
                key=registry.cursor_key(entry.device_id),
                cursors=cursors,
                issued=issued,
                node=Device(device_id=strawberry.ID(entry.device_id), entry=entry),
            )
            for entry in listing.entries
        ]
        scope = registry.DEVICES_SCOPE
        return cls(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=listing.more,
                has_previous_page=listing.resumed,
                start_cursor=cursors.encode(edges[0].key, scope, now=issued) if edges else None,
                end_cursor=cursors.encode(edges[-1].key, scope, now=issued) if edges else None,
            ),
        )


@strawberry.type(description="A device and the cursor to resume after it.")
class DeviceEdge:
    key: strawberry.Private[models.ReadingKey]
    cursors: strawberry.Private[Cursors]
    issued: strawberry.Private[float]
    cursor: str = strawberry.field(
        resolver=lambda root: root.cursors.encode(root.key, registry.DEVICES_SCOPE, now=root.issued)
    )
    node: Device
