"""Query: reading, readingsByDevice, scanReadings, device, devices, history, node."""

from __future__ import annotations

import strawberry
from strawberry import relay

from gql import models
from gql.schema import inputs, registry
from gql.schema.context import Context
from gql.schema.pages import device_page, scan_page
from gql.schema.types import Device, DeviceConnection, Reading, ReadingConnection
from gql.schema.values import HistoryStatus, SortOrder


@strawberry.type
class Query:
    @strawberry.field(description="One reading by its key (GetItem); null when there is none.")
    async def reading(
        self,
        info: strawberry.Info[Context],
        device_id: strawberry.ID,
        datacount: int,
        consistent_read: bool = False,
    ) -> Reading | None:
        key = models.ReadingKey(inputs.device_id(device_id), datacount)
        if consistent_read:
            found = await info.context.run(info.context.store.get, key, consistent=True)
        else:
            # Eventually consistent reads by key share one BatchGetItem per request.
            found = await info.context.readings.load(key)
        return Reading.of(found) if found is not None else None

    @strawberry.field(description="One device's readings in datacount order (Query).")
    async def readings_by_device(
        self,
        info: strawberry.Info[Context],
        device_id: strawberry.ID,
        datacount: inputs.DatacountCondition | None = None,
        filter: inputs.ReadingCondition | None = None,
        order: SortOrder = SortOrder.ASC,
        first: int = 25,
        after: str | None = None,
        consistent_read: bool = False,
        recorded_at: inputs.TimeRange | None = None,
    ) -> ReadingConnection:
        listing = await device_page(
            info.context,
            field="readingsByDevice",
            device_id=device_id,
            datacount=datacount,
            filter=filter,
            order=models.Order(order.value),
            first=first,
            after=after,
            consistent=consistent_read,
            recorded_at=recorded_at,
        )
        return ReadingConnection.of(info.context, listing)

    @strawberry.field(description="Every reading of the table (Scan), optionally filtered.")
    async def scan_readings(
        self,
        info: strawberry.Info[Context],
        filter: inputs.ReadingCondition | None = None,
        first: int = 25,
        after: str | None = None,
    ) -> ReadingConnection:
        listing = await scan_page(info.context, filter=filter, first=first, after=after)
        return ReadingConnection.of(info.context, listing)

    @strawberry.field(description="A device is the partition that holds its readings.")
    def device(self, device_id: strawberry.ID) -> Device:
        return Device(device_id=strawberry.ID(inputs.device_id(device_id)))

    @strawberry.field(
        description="Every device that has readings, in deviceId order (from the device "
        "registry, never a Scan of readings)."
    )
    async def devices(
        self, info: strawberry.Info[Context], first: int = 25, after: str | None = None
    ) -> DeviceConnection:
        listing = await registry.device_listing(info.context, first=first, after=after)
        return DeviceConnection.of(info.context, listing)

    @strawberry.field(
        description="How current the derived history (registry, rollups, time index) is."
    )
    async def history(self, info: strawberry.Info[Context]) -> HistoryStatus:
        report = await registry.history_report(info.context)
        return HistoryStatus(up_to=report.up_to, backlog=report.backlog, consuming=report.consuming)


def query_type() -> type[Query]:
    """Query with relay's `node` field, made anew per schema: the field's extension mutates
    the field when a schema is built, so one field object cannot serve two schemas."""

    @strawberry.type(name="Query")
    class QueryWithNode(Query):
        node: relay.Node | None = relay.node(description="A reading by its global id.")

    return QueryWithNode
