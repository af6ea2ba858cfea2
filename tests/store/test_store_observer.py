"""The store's observer: told once per DynamoDB call, with what DynamoDB reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gql.config import Settings
from gql.errors import ConditionFailedError, TableNotFoundError, ThrottledError
from gql.models import ReadingInfo, ReadingKey
from gql.store.client import CallRecord, DynamoDB, make_client
from gql.store.readings import ReadingStore
from tests.hardening.fakes import FakeDynamoDB

KEY = ReadingKey("observed", 1)
INFO = ReadingInfo("1612519200", temperature1=Decimal("20.5"))


def observed(store: ReadingStore) -> list[CallRecord]:
    calls: list[CallRecord] = []
    store.db.observer = calls.append
    return calls


def test_each_call_is_told_once_with_the_capacity_dynamodb_reported(store: ReadingStore) -> None:
    calls = observed(store)
    store.put(KEY, INFO)
    store.get(KEY)
    store.query("observed")
    assert [(c.operation, c.outcome, c.error) for c in calls] == [
        ("update_item", "ok", ""),
        ("get_item", "ok", ""),
        ("query", "ok", ""),
    ]
    for call in calls:
        assert call.table == store.table
        assert call.consumed > 0, call
        assert (call.retries, call.throttles) == (0, 0)
        assert call.seconds > 0
        assert call.started_ns > 0


def test_a_failed_condition_and_a_missing_table_have_their_outcomes(store: ReadingStore) -> None:
    calls = observed(store)
    store.put(KEY, INFO)
    with pytest.raises(ConditionFailedError):
        store.put(KEY, INFO, if_not_exists=True)
    gone = DynamoDB(store.db.client, "no-such-table", observer=calls.append)
    with pytest.raises(TableNotFoundError):
        gone.call(
            "get_item",
            TableName="no-such-table",
            Key={"device_id": {"S": "x"}, "datacount": {"N": "1"}},
        )
    assert [(c.operation, c.outcome, c.error) for c in calls[1:]] == [
        ("update_item", "condition_failed", "ConditionalCheckFailedException"),
        ("get_item", "error", "ResourceNotFoundException"),
    ]


def test_without_an_observer_nothing_asks_for_capacity(store: ReadingStore) -> None:
    store.db.observer = None
    store.put(KEY, INFO)
    response = store.db.call(
        "get_item",
        TableName=store.table,
        Key={"device_id": {"S": "observed"}, "datacount": {"N": "1"}},
    )
    assert "ConsumedCapacity" not in response


def test_throttled_attempts_and_retries_are_counted() -> None:
    settings = Settings(backend="aws", retry_mode="legacy", max_attempts=3)
    with FakeDynamoDB() as fake:  # every answer: ProvisionedThroughputExceededException
        client = make_client(
            settings, endpoint_url=fake.url, aws_access_key_id="x", aws_secret_access_key="x"
        )
        calls: list[CallRecord] = []
        db = DynamoDB(client, "Devices", observer=calls.append)
        with pytest.raises(ThrottledError):
            db.call(
                "get_item",
                TableName="Devices",
                Key={"device_id": {"S": "x"}, "datacount": {"N": "1"}},
            )
        client.close()
        attempts = len(fake.seen)
    assert attempts == 3
    [call] = calls
    assert (call.outcome, call.retries, call.throttles) == ("throttled", 2, 3)
    assert call.consumed == 0
