"""The `Devices` table of the tutorial: create, delete, describe, and its stream on or off."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from gql.errors import StoreError, TableNotFoundError
from gql.store.client import DynamoDB

Billing = Literal["on-demand", "provisioned"]
StreamOutcome = Literal["turned-on", "already-on", "replaced", "turned-off", "already-off"]

KEY_SCHEMA = [
    {"AttributeName": "device_id", "KeyType": "HASH"},
    {"AttributeName": "datacount", "KeyType": "RANGE"},
]
ATTRIBUTE_DEFINITIONS = [
    {"AttributeName": "device_id", "AttributeType": "S"},
    {"AttributeName": "datacount", "AttributeType": "N"},
]
# Live changes need both images: the old one for deletes, the new one for filters on writes.
STREAM_VIEW = "NEW_AND_OLD_IMAGES"
STREAM_ON = {"StreamEnabled": True, "StreamViewType": STREAM_VIEW}


@dataclass(frozen=True)
class TableInfo:
    name: str
    status: str
    item_count: int
    key_schema: str
    billing: str
    stream_view: str | None = None  # None: the stream is off
    stream_arn: str | None = None

    def lines(self) -> list[str]:
        return [
            f"table:      {self.name}",
            f"status:     {self.status}",
            f"items:      {self.item_count} (DynamoDB refreshes this count about every 6 hours)",
            f"key schema: {self.key_schema}",
            f"billing:    {self.billing}",
            *self.stream_lines(),
        ]

    def stream_lines(self) -> list[str]:
        if self.stream_view is None:
            return ["stream:     off (live changes need it: gql table stream on)"]
        line = f"stream:     on, {self.stream_view}"
        if self.stream_view != STREAM_VIEW:
            line += f" (live changes need {STREAM_VIEW}: gql table stream on)"
        return [line, f"stream arn: {self.stream_arn}"]


class Tables:
    def __init__(self, db: DynamoDB, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.db = db
        self._sleep = sleep

    def create(
        self,
        *,
        billing: Billing = "on-demand",
        read_capacity: int = 10,
        write_capacity: int = 10,
        wait: bool = False,
        timeout: float = 120.0,
        stream: bool = True,
    ) -> tuple[bool, TableInfo]:
        """Create the table unless it exists; returns (created, description).

        With its stream on, as live changes need, unless `stream` is False (a table that no
        subscription reads: every write to a stream-enabled table costs a stream record too).
        """
        params: dict[str, Any] = {
            "TableName": self.db.table,
            "KeySchema": KEY_SCHEMA,
            "AttributeDefinitions": ATTRIBUTE_DEFINITIONS,
        }
        if stream:
            params["StreamSpecification"] = STREAM_ON
        if billing == "provisioned":
            params["ProvisionedThroughput"] = {
                "ReadCapacityUnits": read_capacity,
                "WriteCapacityUnits": write_capacity,
            }
        else:
            params["BillingMode"] = "PAY_PER_REQUEST"
        created = self.describe_or_none() is None
        if created:
            try:
                self.db.call("create_table", **params)
            except StoreError as exc:
                # Another process may have created it between describe and create.
                if exc.reason != "ResourceInUseException":
                    raise
                created = False
        info = self.wait_until_active(timeout) if wait else self.describe()
        return created, info

    def delete(self, *, wait: bool = False, timeout: float = 120.0) -> bool:
        """Delete the table; False when there was none."""
        try:
            self.db.call("delete_table", TableName=self.db.table)
        except TableNotFoundError:
            return False
        deadline = time.monotonic() + timeout
        while wait and self.describe_or_none() is not None:
            if time.monotonic() > deadline:
                raise StoreError(f"table {self.db.table!r} was still deleting after {timeout:g} s")
            self._sleep(0.5)
        return True

    def describe(self) -> TableInfo:
        table = self.db.call("describe_table", TableName=self.db.table)["Table"]
        keys = ", ".join(
            f"{k['AttributeName']} ({k['KeyType']})" for k in table.get("KeySchema", [])
        )
        billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        stream = table.get("StreamSpecification") or {}
        # LatestStreamArn outlives a stream turned off (its records stay readable for a day).
        enabled = bool(stream.get("StreamEnabled"))
        return TableInfo(
            name=table["TableName"],
            status=table["TableStatus"],
            item_count=int(table.get("ItemCount", 0)),
            key_schema=keys,
            billing="on-demand" if billing == "PAY_PER_REQUEST" else "provisioned",
            stream_view=stream.get("StreamViewType") if enabled else None,
            stream_arn=table.get("LatestStreamArn") if enabled else None,
        )

    def stream_on(self, *, timeout: float = 120.0) -> tuple[StreamOutcome, TableInfo]:
        """Turn the stream on with both images; a stream of another view type is replaced."""
        info = self.describe()
        if info.stream_view == STREAM_VIEW:
            return "already-on", info
        outcome: StreamOutcome = "turned-on"
        if info.stream_view is not None:
            # DynamoDB cannot change the view type of an enabled stream: off, then on again,
            # which starts a new stream (the old one stays readable for 24 hours).
            self._update_stream({"StreamEnabled": False}, timeout)
            outcome = "replaced"
        self._update_stream(STREAM_ON, timeout)
        return outcome, self.wait_until_active(timeout)

    def stream_off(self, *, timeout: float = 120.0) -> tuple[StreamOutcome, TableInfo]:
        info = self.describe()
        if info.stream_view is None:
            return "already-off", info
        self._update_stream({"StreamEnabled": False}, timeout)
        return "turned-off", self.wait_until_active(timeout)

    def _update_stream(self, spec: dict[str, Any], timeout: float) -> None:
        self.wait_until_active(timeout)  # UpdateTable is refused while the table is UPDATING
        self.db.call("update_table", TableName=self.db.table, StreamSpecification=spec)

    def describe_or_none(self) -> TableInfo | None:
        try:
            return self.describe()
        except TableNotFoundError:
            return None

    def wait_until_active(self, timeout: float = 120.0) -> TableInfo:
        deadline = time.monotonic() + timeout
        while True:
            info = self.describe()
            if info.status == "ACTIVE":
                return info
            if time.monotonic() > deadline:
                raise StoreError(f"table {self.db.table!r} is {info.status} after {timeout:g} s")
            self._sleep(0.5)
