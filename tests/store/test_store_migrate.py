"""LegacyMigration: string temperatures become numbers, conditionally on the item as read."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from gql.models import Compare
from gql.store.migrate import ItemPlan, LegacyMigration, MigrationSummary, plan_item
from gql.store.readings import ReadingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from gql.store.codec import Item


def legacy_item(
    device: str, datacount: int, *temperatures: str, version: int | None = None
) -> Item:
    """An item as the tutorial's create_item.py writes it: temperatures as strings."""
    info: dict[str, Any] = {"info_timestamp": {"S": "1612522800"}}
    info.update({f"temperature{n}": {"S": t} for n, t in enumerate(temperatures, start=1)})
    item: Item = {
        "device_id": {"S": device},
        "datacount": {"N": str(datacount)},
        "info": {"M": info},
    }
    if version is not None:
        item["version"] = {"N": str(version)}
    return item


def raw(client: DynamoDBClient, table: str) -> list[Item]:
    items: list[Item] = client.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda i: (i["device_id"]["S"], int(i["datacount"]["N"])))


@pytest.fixture
def legacy(client: DynamoDBClient, table: str) -> str:
    for item in [
        legacy_item("10001", 3, "23.74", "32.56", "12.43", "44.74", "12.74"),
        legacy_item("10001", 4, "31.5", "n/a", version=4),  # one number, one not
        legacy_item("10002", 1, "n/a"),  # nothing that is a number
        {  # canonical already
            "device_id": {"S": "10002"},
            "datacount": {"N": "2"},
            "info": {"M": {"info_timestamp": {"S": "1"}, "temperature1": {"N": "40"}}},
            "version": {"N": "2"},
        },
    ]:
        client.put_item(TableName=table, Item=item)
    return table


def test_plan_item_splits_numeric_strings_from_other_strings() -> None:
    item = legacy_item("d", 1, " 23.74 ", "NaN", "1e400", "-0.5")
    item["info"]["M"]["temperature5"] = {"N": "7"}

    assert plan_item(item) == ItemPlan(
        numbers={
            "temperature1": (" 23.74 ", Decimal("23.74")),
            "temperature4": ("-0.5", Decimal("-0.5")),
        },
        not_numbers=("temperature2", "temperature3"),
    )
    assert plan_item({"device_id": {"S": "d"}, "datacount": {"N": "1"}}) == ItemPlan()


def test_numeric_strings_become_numbers_and_versions_are_bumped(
    client: DynamoDBClient, legacy: str, store: ReadingStore
) -> None:
    summary = LegacyMigration(store.db).run()

    assert summary == MigrationSummary(
        changed=2, already_numeric=1, skipped=1, changed_meanwhile=0, strings_left=2
    )
    items = raw(client, legacy)
    assert items[0]["info"]["M"] == {
        "info_timestamp": {"S": "1612522800"},
        "temperature1": {"N": "23.74"},
        "temperature2": {"N": "32.56"},
        "temperature3": {"N": "12.43"},
        "temperature4": {"N": "44.74"},
        "temperature5": {"N": "12.74"},
    }
    assert items[0]["version"] == {"N": "1"}
    assert items[1]["info"]["M"]["temperature1"] == {"N": "31.5"}
    assert items[1]["info"]["M"]["temperature2"] == {"S": "n/a"}
    assert items[1]["version"] == {"N": "5"}
    assert items[2] == legacy_item("10002", 1, "n/a")  # untouched: no version bump
    # A numeric filter now matches them.
    hot = store.query("10001", filter=Compare("temperature1", "gt", Decimal(30)))
    assert [r.datacount for r in hot.readings] == [4]
    warm = store.query("10001", filter=Compare("temperature4", "gt", Decimal(40)))
    assert [r.datacount for r in warm.readings] == [3]


def test_a_second_run_changes_nothing(
    client: DynamoDBClient, legacy: str, store: ReadingStore
) -> None:
    LegacyMigration(store.db).run()
    after_first = raw(client, legacy)

    summary = LegacyMigration(store.db).run()

    assert (summary.changed, summary.already_numeric, summary.skipped) == (0, 2, 2)
    assert raw(client, legacy) == after_first


def test_a_dry_run_counts_and_writes_nothing(
    client: DynamoDBClient, legacy: str, store: ReadingStore
) -> None:
    before = raw(client, legacy)

    summary = LegacyMigration(store.db, dry_run=True).run()

    assert (summary.changed, summary.already_numeric, summary.skipped) == (2, 1, 1)
    assert raw(client, legacy) == before


def test_a_reading_changed_between_the_read_and_the_write_is_not_overwritten(
    client: DynamoDBClient, legacy: str, store: ReadingStore
) -> None:
    def another_writer(item: Item) -> None:
        # Someone rewrites 10001 : 3 (still as strings) after the migration read it.
        if item["datacount"] == {"N": "3"}:
            client.put_item(TableName=legacy, Item=legacy_item("10001", 3, "99.5"))

    summary = LegacyMigration(store.db, before_write=another_writer).run()

    assert (summary.changed, summary.changed_meanwhile) == (1, 1)
    assert raw(client, legacy)[0] == legacy_item("10001", 3, "99.5")
    # The next run migrates it as it now stands.
    assert LegacyMigration(store.db).run().changed == 1
    assert raw(client, legacy)[0]["info"]["M"]["temperature1"] == {"N": "99.5"}


def test_a_version_bumped_meanwhile_stops_the_write_too(
    client: DynamoDBClient, legacy: str, store: ReadingStore
) -> None:
    def bump(item: Item) -> None:
        # Same strings, but a new version: the condition on the version must catch it.
        if item["datacount"] == {"N": "4"}:
            client.put_item(
                TableName=legacy, Item=legacy_item("10001", 4, "31.5", "n/a", version=6)
            )

    summary = LegacyMigration(store.db, before_write=bump).run()

    assert summary.changed_meanwhile == 1
    assert raw(client, legacy)[1] == legacy_item("10001", 4, "31.5", "n/a", version=6)


def test_progress_counts_every_item_walked(legacy: str, store: ReadingStore) -> None:
    seen: list[int] = []

    LegacyMigration(store.db, dry_run=True, progress=seen.append).run()

    assert sum(seen) == 4
