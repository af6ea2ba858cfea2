"""The `Devices` table of the tutorial: create, delete, describe."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from gql.errors import StoreError, TableNotFoundError
from gql.store.client import DynamoDB

Billing = Literal["on-demand", "provisioned"]

KEY_SCHEMA = [
    {"AttributeName": "device_id", "KeyType": "HASH"},
    {"AttributeName": "datacount", "KeyType": "RANGE"},
]
ATTRIBUTE_DEFINITIONS = [
    {"AttributeName": "device_id", "AttributeType": "S"},
    {"AttributeName": "datacount", "AttributeType": "N"},
]


@dataclass(frozen=True)
class TableInfo:
    name: str
    status: str
    item_count: int
    key_schema: str
    billing: str

    def lines(self) -> list[str]:
        return [
            f"table:      {self.name}",
            f"status:     {self.status}",
            f"items:      {self.item_count} (DynamoDB refreshes this count about every 6 hours)",
            f"key schema: {self.key_schema}",
            f"billing:    {self.billing}",
        ]


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
    ) -> tuple[bool, TableInfo]:
        """Create the table unless it exists; returns (created, description)."""
        params: dict[str, Any] = {
            "TableName": self.db.table,
            "KeySchema": KEY_SCHEMA,
            "AttributeDefinitions": ATTRIBUTE_DEFINITIONS,
        }
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
        return TableInfo(
            name=table["TableName"],
            status=table["TableStatus"],
            item_count=int(table.get("ItemCount", 0)),
            key_schema=keys,
            billing="on-demand" if billing == "PAY_PER_REQUEST" else "provisioned",
        )

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
