"""Writes through the store: put, update, delete_if and batch_put, against each backend."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from gql.errors import ConditionFailedError, ItemTooLargeError, ReadingNotFoundError
from gql.models import Compare, InfoPatch, Reading, ReadingInfo, ReadingKey
from gql.store.readings import ReadingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY = ReadingKey("10001", 3)
INFO = ReadingInfo(
    "1612522800",
    Decimal("23.74"),
    Decimal("32.56"),
    Decimal("12.43"),
    Decimal("44.74"),
    Decimal("12.74"),
)
HOT = Compare("temperature1", "gt", Decimal(30))
COLD = Compare("temperature1", "lt", Decimal(30))


def put_unversioned(client: DynamoDBClient, table: str) -> None:
    """KEY as the tutorial writes it, with numbers but no version attribute."""
    client.put_item(
        TableName=table,
        Item={
            "device_id": {"S": KEY.device_id},
            "datacount": {"N": str(KEY.datacount)},
            "info": {"M": {"info_timestamp": {"S": "1612522800"}, "temperature1": {"N": "23.74"}}},
        },
    )


def test_get_of_a_missing_key_is_none(store: ReadingStore) -> None:
    assert store.get(KEY) is None


def test_consistent_get_returns_the_reading_just_written(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    assert store.get(KEY, consistent=True) == Reading("10001", 3, INFO, version=1)


def test_put_of_a_new_reading_returns_it_at_version_1(store: ReadingStore) -> None:
    assert store.put(KEY, INFO) == Reading("10001", 3, INFO, version=1)


def test_put_over_a_reading_bumps_its_version(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    assert store.put(KEY, INFO).version == 2


def test_put_replaces_info_whole(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    store.put(KEY, ReadingInfo("1612522900", temperature2=Decimal(1)))

    assert store.get(KEY, consistent=True) == Reading(
        "10001", 3, ReadingInfo("1612522900", temperature2=Decimal(1)), version=2
    )


def test_put_if_not_exists_writes_a_new_reading(store: ReadingStore) -> None:
    assert store.put(KEY, INFO, if_not_exists=True) == Reading("10001", 3, INFO, version=1)


def test_put_if_not_exists_over_a_reading_fails_with_the_current_one(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    with pytest.raises(ConditionFailedError) as caught:
        store.put(KEY, ReadingInfo("1"), if_not_exists=True)

    assert (str(caught.value), caught.value.current) == (
        "a reading with this key already exists",
        Reading("10001", 3, INFO, version=1),
    )


def test_put_if_not_exists_over_a_reading_leaves_it_unchanged(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    with pytest.raises(ConditionFailedError):
        store.put(KEY, ReadingInfo("1"), if_not_exists=True)

    assert store.get(KEY, consistent=True) == Reading("10001", 3, INFO, version=1)


def test_numbers_are_stored_and_read_back_exactly(store: ReadingStore) -> None:
    extremes = ReadingInfo(
        "1612522800",
        Decimal("12345678901234567890123456789012345678"),
        Decimal("0.1"),
        Decimal("-40.0"),
        Decimal("1E-130"),
        Decimal("9.9999999999999999999999999999999999999E+125"),
    )
    store.put(KEY, extremes)

    assert store.get(KEY, consistent=True) == Reading("10001", 3, extremes, version=1)


def test_update_sets_and_removes_fields_and_leaves_the_others(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    patch = InfoPatch(set={"temperature1": Decimal("33.74")}, remove=frozenset({"temperature5"}))

    assert store.update(KEY, patch) == Reading(
        "10001",
        3,
        ReadingInfo(
            "1612522800", Decimal("33.74"), Decimal("32.56"), Decimal("12.43"), Decimal("44.74")
        ),
        version=2,
    )


def test_update_is_what_a_later_read_sees(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    updated = store.update(KEY, InfoPatch(set={"info_timestamp": "1612529999"}))

    assert store.get(KEY, consistent=True) == updated


def test_update_of_a_missing_key_is_not_found(store: ReadingStore) -> None:
    with pytest.raises(ReadingNotFoundError) as caught:
        store.update(KEY, InfoPatch(set={"temperature1": Decimal(1)}))

    assert (caught.value.key, str(caught.value)) == (
        KEY,
        "no reading with deviceId '10001' and datacount 3",
    )


def test_update_of_a_missing_key_creates_nothing(store: ReadingStore) -> None:
    with pytest.raises(ReadingNotFoundError):
        store.update(KEY, InfoPatch(set={"temperature1": Decimal(1)}))

    assert store.get(KEY, consistent=True) is None


def test_update_with_expected_version_of_a_missing_key_is_not_found(store: ReadingStore) -> None:
    with pytest.raises(ReadingNotFoundError):
        store.update(KEY, InfoPatch(), expected_version=1)


def test_update_at_the_expected_version_bumps_it(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    assert store.update(KEY, InfoPatch(), expected_version=1).version == 2


def test_update_at_a_stale_version_fails_naming_both_versions(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    store.put(KEY, INFO)

    with pytest.raises(ConditionFailedError) as caught:
        store.update(KEY, InfoPatch(set={"temperature1": Decimal(1)}), expected_version=1)

    assert (str(caught.value), caught.value.current) == (
        "expected version 1, but the reading is at version 2",
        Reading("10001", 3, INFO, version=2),
    )


def test_update_at_a_stale_version_leaves_the_reading_unchanged(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    with pytest.raises(ConditionFailedError):
        store.update(KEY, InfoPatch(set={"temperature1": Decimal(1)}), expected_version=7)

    assert store.get(KEY, consistent=True) == Reading("10001", 3, INFO, version=1)


def test_expected_version_0_matches_a_reading_without_a_version(
    client: DynamoDBClient, table: str, store: ReadingStore
) -> None:
    put_unversioned(client, table)

    assert store.update(KEY, InfoPatch(), expected_version=0).version == 1


def test_expected_version_0_fails_on_a_versioned_reading(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    with pytest.raises(ConditionFailedError) as caught:
        store.update(KEY, InfoPatch(), expected_version=0)

    assert str(caught.value) == "expected version 0, but the reading is at version 1"


def test_update_under_a_condition_that_holds_is_applied(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    updated = store.update(KEY, InfoPatch(set={"temperature1": Decimal(0)}), condition=COLD)

    assert (updated.info.temperature1, updated.version) == (Decimal(0), 2)


def test_update_under_a_condition_that_fails_reports_the_current_reading(
    store: ReadingStore,
) -> None:
    store.put(KEY, INFO)

    with pytest.raises(ConditionFailedError) as caught:
        store.update(KEY, InfoPatch(set={"temperature1": Decimal(0)}), condition=HOT)

    assert (str(caught.value), caught.value.current) == (
        "the condition did not hold for the current reading",
        Reading("10001", 3, INFO, version=1),
    )


def test_update_under_a_condition_that_fails_leaves_the_reading_unchanged(
    store: ReadingStore,
) -> None:
    store.put(KEY, INFO)
    with pytest.raises(ConditionFailedError):
        store.update(KEY, InfoPatch(remove=frozenset({"temperature2"})), condition=HOT)

    assert store.get(KEY, consistent=True) == Reading("10001", 3, INFO, version=1)


def test_update_at_the_right_version_under_a_failing_condition_blames_the_condition(
    store: ReadingStore,
) -> None:
    store.put(KEY, INFO)

    with pytest.raises(ConditionFailedError) as caught:
        store.update(KEY, InfoPatch(), expected_version=1, condition=HOT)

    assert str(caught.value) == "the condition did not hold for the current reading"


def test_delete_if_a_condition_holds_returns_the_deleted_reading(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    assert store.delete_if(KEY, condition=COLD) == Reading("10001", 3, INFO, version=1)


def test_delete_if_a_condition_holds_removes_the_reading(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    store.delete_if(KEY, condition=COLD)

    assert store.get(KEY, consistent=True) is None


def test_delete_if_a_condition_fails_reports_the_current_reading(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    with pytest.raises(ConditionFailedError) as caught:
        store.delete_if(KEY, condition=HOT)

    assert (str(caught.value), caught.value.current) == (
        "the condition did not hold for the current reading",
        Reading("10001", 3, INFO, version=1),
    )


def test_delete_if_a_condition_fails_keeps_the_reading(store: ReadingStore) -> None:
    store.put(KEY, INFO)
    with pytest.raises(ConditionFailedError):
        store.delete_if(KEY, condition=HOT)

    assert store.get(KEY, consistent=True) == Reading("10001", 3, INFO, version=1)


def test_delete_if_of_a_missing_key_is_not_found(store: ReadingStore) -> None:
    with pytest.raises(ReadingNotFoundError) as caught:
        store.delete_if(KEY, condition=HOT)

    assert caught.value.key == KEY


def test_delete_if_at_a_stale_version_fails_naming_both_versions(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    with pytest.raises(ConditionFailedError) as caught:
        store.delete_if(KEY, condition=COLD, expected_version=2)

    assert (str(caught.value), caught.value.current) == (
        "expected version 2, but the reading is at version 1",
        Reading("10001", 3, INFO, version=1),
    )


def test_delete_if_at_the_expected_version_deletes(store: ReadingStore) -> None:
    store.put(KEY, INFO)

    assert store.delete_if(KEY, expected_version=1).version == 1


def test_batch_put_sends_25_readings_a_request(store: ReadingStore) -> None:
    readings = [Reading("10001", n, INFO, version=1) for n in range(60)]
    chunks: list[int] = []

    assert store.batch_put(readings, progress=chunks.append) == 60
    assert chunks == [25, 25, 10]


def test_batch_put_stores_every_reading(store: ReadingStore) -> None:
    readings = [Reading(f"dev-{n % 3}", n, INFO, version=1) for n in range(60)]
    store.batch_put(readings)

    assert store.batch_get(r.key for r in readings) == {r.key: r for r in readings}


def test_batch_put_keeps_the_last_of_duplicate_keys(store: ReadingStore) -> None:
    first = Reading("10001", 3, INFO, version=1)
    last = Reading("10001", 3, ReadingInfo("1612529999"), version=5)

    assert store.batch_put([first, last]) == 1
    assert store.get(KEY, consistent=True) == last


def test_batch_put_writes_no_version_for_a_reading_without_one(store: ReadingStore) -> None:
    store.batch_put([Reading("10001", 3, INFO)])

    assert store.get(KEY, consistent=True) == Reading("10001", 3, INFO, version=None)


def test_put_of_a_reading_over_400_kb_is_refused_as_too_large(store: ReadingStore) -> None:
    with pytest.raises(ItemTooLargeError):
        store.put(KEY, ReadingInfo("x" * 410_000))


def test_batch_put_of_a_reading_over_400_kb_is_refused_as_too_large(store: ReadingStore) -> None:
    with pytest.raises(ItemTooLargeError):
        store.batch_put([Reading("10001", 3, ReadingInfo("x" * 410_000))])
