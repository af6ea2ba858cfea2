"""A write whose first attempt was applied but whose answer was lost, then retried by botocore.

The loss is made with botocore's own `needs-retry` event: the handler asks for a retry of an
attempt that DynamoDB already applied, exactly what botocore does after a dropped response.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from gql.errors import ConditionFailedError
from gql.models import InfoPatch, ReadingInfo, ReadingKey
from gql.store.readings import ReadingStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY = ReadingKey("10001", 1)
INFO = ReadingInfo("1612519200", Decimal("37.2"))


def lose_first_answer(client: DynamoDBClient, operation: str) -> list[int]:
    """Make botocore retry the first `operation` once after it succeeded; returns the attempts."""
    seen: list[int] = []

    def retry_once(attempts: int, **_: Any) -> float | None:
        seen.append(attempts)
        return 0 if len(seen) == 1 else None

    # botocore-stubs type handlers as returning None; needs-retry handlers return a delay.
    client.meta.events.register(f"needs-retry.dynamodb.{operation}", retry_once)  # type: ignore[arg-type]
    return seen


def count_items(client: DynamoDBClient, table: str) -> int:
    return len(client.scan(TableName=table)["Items"])


def test_put_if_not_exists_with_a_lost_answer_succeeds_once(
    client: DynamoDBClient, table: str, store: ReadingStore
) -> None:
    attempts = lose_first_answer(client, "UpdateItem")
    written = store.put(KEY, INFO, if_not_exists=True)
    assert attempts == [1, 2]
    assert (written.version, written.info) == (1, INFO)
    assert count_items(client, table) == 1


def test_update_with_expected_version_and_a_lost_answer_succeeds_once(
    client: DynamoDBClient, table: str, store: ReadingStore
) -> None:
    store.put(KEY, INFO)
    attempts = lose_first_answer(client, "UpdateItem")
    patch = InfoPatch(set={"temperature1": Decimal("5.5")}, remove=frozenset())
    written = store.update(KEY, patch, expected_version=1)
    assert attempts == [1, 2]
    assert (written.version, written.info.temperature1) == (2, Decimal("5.5"))
    assert store.get(KEY) == written


def test_put_if_not_exists_on_someone_elses_reading_still_fails(
    client: DynamoDBClient, store: ReadingStore
) -> None:
    store.put(KEY, ReadingInfo("1612519200", Decimal("1.0")))
    attempts = lose_first_answer(client, "UpdateItem")
    with pytest.raises(ConditionFailedError) as failed:
        store.put(KEY, INFO, if_not_exists=True)
    assert failed.value.current is not None
    assert failed.value.current.info.temperature1 == Decimal("1.0")
    assert attempts == [1, 2]
