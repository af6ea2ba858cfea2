"""Stream records -> changes (gql/store/records.py), and the shards' lineage (shards.py):
pure, against exact values."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from gql.models import Change, ChangeKind, Reading, ReadingInfo, ReadingKey
from gql.store.records import change_from_record
from gql.store.shards import Shard, Shards

KEYS = {"device_id": {"S": "10001"}, "datacount": {"N": "3"}}


def image(temperature: dict[str, str], version: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        **KEYS,
        "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": temperature}},
    }
    if version is not None:
        item["version"] = {"N": version}
    return item


def test_a_modify_record_has_both_images_its_time_and_sequence() -> None:
    record = {
        "eventName": "MODIFY",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 12, 1, 14, 9, tzinfo=UTC),
            "Keys": KEYS,
            "NewImage": image({"N": "24.5"}, "2"),
            "OldImage": image({"S": "23.74"}),
            "SequenceNumber": "000000000000000000002",
        },
    }

    assert change_from_record(record) == Change(
        kind=ChangeKind.MODIFY,
        key=ReadingKey("10001", 3),
        new=Reading("10001", 3, ReadingInfo("1612519200", Decimal("24.5")), version=2),
        old=Reading("10001", 3, ReadingInfo("1612519200", Decimal("23.74"))),
        changed_at=1796134140.0,
        sequence="000000000000000000002",
    )


def test_a_remove_record_has_only_the_old_image() -> None:
    record = {
        "eventName": "REMOVE",
        "dynamodb": {"Keys": KEYS, "OldImage": image({"N": "1"}), "SequenceNumber": "7"},
    }

    change = change_from_record(record)

    assert (change.kind, change.new, change.changed_at) == (ChangeKind.REMOVE, None, 0.0)
    assert change.old == Reading("10001", 3, ReadingInfo("1612519200", Decimal(1)))


def test_a_record_without_a_key_is_refused() -> None:
    with pytest.raises(KeyError):
        change_from_record({"eventName": "INSERT", "dynamodb": {"Keys": {}}})


def listing(shard_id: str, parent: str | None = None, *, closed: bool = False) -> dict[str, Any]:
    numbers = {"StartingSequenceNumber": "1", **({"EndingSequenceNumber": "9"} if closed else {})}
    entry: dict[str, Any] = {"ShardId": shard_id, "SequenceNumberRange": numbers}
    if parent:
        entry["ParentShardId"] = parent
    return entry


def test_open_shards_start_at_latest_and_closed_ones_are_left_out() -> None:
    shards = Shards()

    begun = shards.begin([listing("old", closed=True), listing("a", "old")])

    assert [(s.shard_id, s.start) for s in begun] == [("a", "LATEST")]


def test_a_child_is_readable_once_its_parent_is_finished() -> None:
    shards = Shards()
    (parent,) = shards.begin([listing("p")])
    found = shards.merge([listing("p", closed=True), listing("c1", "p"), listing("c2", "p")])

    before = [s.shard_id for s in shards.readable()]
    shards.finish(parent)
    after = [s.shard_id for s in shards.readable()]

    assert [(s.shard_id, s.start) for s in found] == [
        ("c1", "TRIM_HORIZON"),
        ("c2", "TRIM_HORIZON"),
    ]
    assert (before, after) == (["p"], ["c1", "c2"])


def test_finished_shards_are_not_found_again() -> None:
    shards = Shards()
    (only,) = shards.begin([listing("a")])
    shards.finish(only)

    assert shards.merge([listing("a", closed=True)]) == []


@pytest.mark.parametrize(
    ("shard", "expected"),
    [
        (
            Shard("s", None, "LATEST", last_sequence="42"),
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": "42"},
        ),
        (Shard("s", None, "TRIM_HORIZON"), {"ShardIteratorType": "TRIM_HORIZON"}),
        (Shard("s", None, "LATEST"), None),
    ],
    ids=["after-last-read", "from-its-start", "unknown"],
)
def test_where_a_shard_resumes(shard: Shard, expected: dict[str, str] | None) -> None:
    assert shard.resume() == expected
