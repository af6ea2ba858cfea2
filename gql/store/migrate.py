"""`gql migrate-legacy`: temperatures stored as strings ("23.74") rewritten as numbers.

The tutorial's create_item.py stores temperatures as strings, and DynamoDB compares numbers
only with numbers, so numeric filters and conditions never match them. Each such item is
rewritten by one UpdateItem that sets the numeric strings as numbers and bumps `version`, on
the condition that the item is still as it was read: the same strings, and the same version
(or still none). A reading changed between the read and the write is left alone and counted.
Strings that are not numbers ("n/a") are left as they are and counted. Running it again
finds nothing to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gql.errors import ConditionFailedError, InputError
from gql.models import TEMPERATURES
from gql.store.client import DynamoDB
from gql.store.codec import Item, to_number
from gql.store.expressions import Expressions, bump_version
from gql.store.timeindex import ATTRIBUTE, index_attribute, stored_timestamp, timestamp_text
from gql.store.walk import item_pages


@dataclass(frozen=True)
class ItemPlan:
    """What an item needs: numeric strings by name (as stored, as a number), and the names of
    strings that are not numbers."""

    numbers: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    not_numbers: tuple[str, ...] = ()


def plan_item(item: Mapping[str, Any]) -> ItemPlan:
    info = item.get("info", {}).get("M")
    if not isinstance(info, dict):
        return ItemPlan()
    numbers: dict[str, tuple[str, Decimal]] = {}
    not_numbers: list[str] = []
    for name in TEMPERATURES:
        text = (info.get(name) or {}).get("S")
        if text is None:
            continue
        try:
            numbers[name] = (text, to_number(text, name))
        except InputError:
            not_numbers.append(name)
    return ItemPlan(numbers, tuple(not_numbers))


@dataclass
class MigrationSummary:
    changed: int = 0
    already_numeric: int = 0
    skipped: int = 0  # string temperatures, none of them a number
    changed_meanwhile: int = 0
    strings_left: int = 0  # strings that are not numbers, in changed and skipped items

    @property
    def walked(self) -> int:
        return self.changed + self.already_numeric + self.skipped + self.changed_meanwhile

    def line(self, *, dry_run: bool) -> str:
        changed = "would change" if dry_run else "changed"
        return (
            f"{self.walked} readings: {self.changed} {changed}, {self.already_numeric} already "
            f"numeric, {self.skipped} skipped (not a number), {self.changed_meanwhile} changed "
            f"meanwhile (left as they are); {self.strings_left} strings that are not numbers "
            "left as they are"
        )


class LegacyMigration:
    """Walks the table once; `before_write` is called with each item about to be rewritten."""

    def __init__(
        self,
        db: DynamoDB,
        *,
        dry_run: bool = False,
        before_write: Callable[[Item], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.dry_run = dry_run
        self.before_write = before_write
        self.progress = progress

    def run(self) -> MigrationSummary:
        summary = MigrationSummary()
        for page in item_pages(self.db, consistent=True):
            for item in page:
                self._migrate(item, summary)
            if self.progress is not None:
                self.progress(len(page))
        return summary

    def _migrate(self, item: Item, summary: MigrationSummary) -> None:
        plan = plan_item(item)
        summary.strings_left += len(plan.not_numbers)
        if not plan.numbers:
            if plan.not_numbers:
                summary.skipped += 1
            else:
                summary.already_numeric += 1
            return
        if self.dry_run or self._rewrite(item, plan):
            summary.changed += 1
        else:
            summary.changed_meanwhile += 1

    def _rewrite(self, item: Item, plan: ItemPlan) -> bool:
        """True when the item was rewritten; False when it had changed since it was read."""
        if self.before_write is not None:
            self.before_write(item)
        ex = Expressions()
        sets = [
            f"{ex.path('info', n)} = {ex.value(number)}" for n, (_, number) in plan.numbers.items()
        ]
        guards = [
            f"{ex.path('info', n)} = {ex.value(text)}" for n, (text, _) in plan.numbers.items()
        ]
        # The time index is written with every write (gql/store/timeindex.py), on condition
        # that the timestamp it is made from is still the one read.
        stamp = stored_timestamp(item)
        sets.append(
            f"{ex.name(ATTRIBUTE)} = {ex.attribute(index_attribute(timestamp_text(stamp)))}"
        )
        path = ex.path("info", "info_timestamp")
        guards.append(
            f"attribute_not_exists({path})" if stamp is None else f"{path} = {ex.attribute(stamp)}"
        )
        version = ex.name("version")
        old = item.get("version", {}).get("N")
        guards.append(
            f"attribute_not_exists({version})"
            if old is None
            else f"{version} = {ex.value(Decimal(old))}"
        )
        params: dict[str, Any] = {
            "TableName": self.db.table,
            "Key": {"device_id": item["device_id"], "datacount": item["datacount"]},
            "UpdateExpression": "SET " + ", ".join([*sets, bump_version(ex)]),
            "ConditionExpression": " AND ".join(guards),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            **ex.request(),
        }
        try:
            self.db.call("update_item", **params)
        except ConditionFailedError as exc:
            # botocore retried after a lost answer, and found the item as our first attempt
            # left it: that is this write, not someone else's.
            current = exc.current
            expected = int(Decimal(old)) + 1 if old is not None else 1
            return exc.retried and current is not None and current.version == expected
        return True
