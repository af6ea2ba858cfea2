"""The `Devices` table of the tutorial (with its time index), and the history table beside it.

create, delete and describe handle both tables when a history table is named; the stream and
the time index (gql/store/timeindex.py) can be turned on for a table that existed before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from gql.errors import StoreError, TableNotFoundError
from gql.store.client import DynamoDB
from gql.store.tableinfo import STREAM_VIEW, HistoryInfo, TableInfo
from gql.store.timeindex import INDEX, INDEX_ATTRIBUTE, index_definition

Billing = Literal["on-demand", "provisioned"]
StreamOutcome = Literal["turned-on", "already-on", "replaced", "turned-off", "already-off"]
IndexOutcome = Literal["added", "already-on"]

KEY_SCHEMA = [
    {"AttributeName": "device_id", "KeyType": "HASH"},
    {"AttributeName": "datacount", "KeyType": "RANGE"},
]
ATTRIBUTE_DEFINITIONS = [
    {"AttributeName": "device_id", "AttributeType": "S"},
    {"AttributeName": "datacount", "AttributeType": "N"},
    INDEX_ATTRIBUTE,
]
# The history table (gql/derive): rollups, registry, status and checkpoints, by string keys.
HISTORY_KEY_SCHEMA = [
    {"AttributeName": "pk", "KeyType": "HASH"},
    {"AttributeName": "sk", "KeyType": "RANGE"},
]
HISTORY_ATTRIBUTES = [
    {"AttributeName": "pk", "AttributeType": "S"},
    {"AttributeName": "sk", "AttributeType": "S"},
]
STREAM_ON = {"StreamEnabled": True, "StreamViewType": STREAM_VIEW}


class Tables:
    def __init__(
        self,
        db: DynamoDB,
        *,
        history: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db = db
        # The history table's name (Settings.history_table); None: the readings table alone.
        self.history = history
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
        """Create the table (and the history table) unless it exists; (created, description).

        With its stream on, as live changes and the consumer need, unless `stream` is False (a
        table that nothing reads the stream of: every write to a stream-enabled table costs a
        stream record too).
        """
        throughput = {"ReadCapacityUnits": read_capacity, "WriteCapacityUnits": write_capacity}
        provisioned = billing == "provisioned"
        params: dict[str, Any] = {
            "TableName": self.db.table,
            "KeySchema": KEY_SCHEMA,
            "AttributeDefinitions": ATTRIBUTE_DEFINITIONS,
            "GlobalSecondaryIndexes": [index_definition(throughput if provisioned else None)],
        }
        if stream:
            params["StreamSpecification"] = STREAM_ON
        created = self.describe_or_none() is None
        if created:
            created = self._create(params, throughput if provisioned else None)
        if self.history is not None:
            self.create_history(throughput if provisioned else None, wait=wait, timeout=timeout)
        info = self.wait_until_active(timeout) if wait else self.describe()
        return created, info

    def create_history(
        self,
        throughput: dict[str, int] | None = None,
        *,
        wait: bool = False,
        timeout: float = 120.0,
    ) -> bool:
        """Create the history table unless it exists; True when it was created."""
        assert self.history is not None
        params: dict[str, Any] = {
            "TableName": self.history,
            "KeySchema": HISTORY_KEY_SCHEMA,
            "AttributeDefinitions": HISTORY_ATTRIBUTES,
        }
        created = self.describe_history().status == "missing"
        if created:
            created = self._create(params, throughput)
        deadline = time.monotonic() + timeout
        while wait and self.describe_history().status != "ACTIVE":
            if time.monotonic() > deadline:
                raise StoreError(f"table {self.history!r} was not ACTIVE after {timeout:g} s")
            self._sleep(0.5)
        return created

    def _create(self, params: dict[str, Any], throughput: dict[str, int] | None) -> bool:
        if throughput is not None:
            params["ProvisionedThroughput"] = throughput
        else:
            params["BillingMode"] = "PAY_PER_REQUEST"
        try:
            self.db.call("create_table", **params)
        except StoreError as exc:
            # Another process may have created it between describe and create.
            if exc.reason != "ResourceInUseException":
                raise
            return False
        return True

    def delete(self, *, wait: bool = False, timeout: float = 120.0) -> bool:
        """Delete the table (and the history table); False when there was no readings table."""
        if self.history is not None:
            self._delete(self.history, wait, timeout)
        return self._delete(self.db.table, wait, timeout)

    def _delete(self, name: str, wait: bool, timeout: float) -> bool:
        try:
            self.db.call("delete_table", TableName=name)
        except TableNotFoundError:
            return False
        deadline = time.monotonic() + timeout
        while wait and self._exists(name):
            if time.monotonic() > deadline:
                raise StoreError(f"table {name!r} was still deleting after {timeout:g} s")
            self._sleep(0.5)
        return True

    def _exists(self, name: str) -> bool:
        try:
            self.db.call("describe_table", TableName=name)
        except TableNotFoundError:
            return False
        return True

    def describe_history(self) -> HistoryInfo:
        assert self.history is not None
        try:
            table = self.db.call("describe_table", TableName=self.history)["Table"]
        except TableNotFoundError:
            return HistoryInfo(self.history, "missing")
        return HistoryInfo(self.history, table["TableStatus"], int(table.get("ItemCount", 0)))

    def describe(self) -> TableInfo:
        table = self.db.call("describe_table", TableName=self.db.table)["Table"]
        keys = ", ".join(
            f"{k['AttributeName']} ({k['KeyType']})" for k in table.get("KeySchema", [])
        )
        billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        stream = table.get("StreamSpecification") or {}
        # LatestStreamArn outlives a stream turned off (its records stay readable for a day).
        enabled = bool(stream.get("StreamEnabled"))
        indexes = [i for i in table.get("GlobalSecondaryIndexes", []) if i["IndexName"] == INDEX]
        return TableInfo(
            name=table["TableName"],
            status=table["TableStatus"],
            item_count=int(table.get("ItemCount", 0)),
            key_schema=keys,
            billing="on-demand" if billing == "PAY_PER_REQUEST" else "provisioned",
            stream_view=stream.get("StreamViewType") if enabled else None,
            stream_arn=table.get("LatestStreamArn") if enabled else None,
            index=indexes[0].get("IndexStatus", "ACTIVE") if indexes else None,
        )

    def index_on(self, *, timeout: float = 1800.0) -> tuple[IndexOutcome, TableInfo]:
        """Add the time index to a table that has none, and wait until DynamoDB has filled it
        from the readings that carry recorded_at; one that has it is waited for."""
        info = self.describe()
        outcome: IndexOutcome = "already-on"
        if info.index is None:
            self.wait_until_active(timeout)  # UpdateTable is refused while the table is UPDATING
            table = self.db.call("describe_table", TableName=self.db.table)["Table"]
            capacity = table.get("ProvisionedThroughput", {})
            throughput = None
            if info.billing == "provisioned":
                throughput = {
                    "ReadCapacityUnits": int(capacity.get("ReadCapacityUnits", 10)),
                    "WriteCapacityUnits": int(capacity.get("WriteCapacityUnits", 10)),
                }
            self.db.call(
                "update_table",
                TableName=self.db.table,
                AttributeDefinitions=ATTRIBUTE_DEFINITIONS,
                GlobalSecondaryIndexUpdates=[{"Create": index_definition(throughput)}],
            )
            outcome = "added"
        deadline = time.monotonic() + timeout
        while True:
            info = self.describe()
            if info.status == "ACTIVE" and info.index == "ACTIVE":
                return outcome, info
            if time.monotonic() > deadline:
                raise StoreError(
                    f"the time index of {self.db.table!r} is {info.index} after {timeout:g} s; "
                    "DynamoDB goes on filling it: run the command again to wait for it"
                )
            self._sleep(1.0)

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
