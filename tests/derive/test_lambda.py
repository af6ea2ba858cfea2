"""gql.derive.lambda_handler fed DynamoDB Local's stream records in Lambda's event shape."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from gql.config import Settings
from gql.derive import lambdas
from gql.derive.lambdas import lambda_handler
from gql.models import InfoPatch, ReadingInfo, ReadingKey
from gql.store import DynamoDB, HistoryTable, ReadingStore, Tables, make_streams_client
from tests.conftest import LOCAL_URL, local_client
from tests.derive.recording import (
    expected_history,
    lambda_events,
    scan,
    stored_history,
    tutorial_item,
)

T0 = 1_612_519_200


@pytest.fixture
def table(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    client = local_client()
    request.node.user_properties.append(("backend", "dynamodb-local"))
    name = f"Lambda-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(client, name), history=f"{name}History", sleep=lambda _: None)
    tables.create(wait=True)
    # What the function's configuration would say.
    monkeypatch.setenv("GQL_TABLE", name)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", str(LOCAL_URL))
    monkeypatch.setattr(lambdas, "_runtime", None)
    yield name
    tables.delete()


def test_batches_replays_and_a_bad_record_leave_the_history_exact(table: str) -> None:
    client = local_client()
    store = ReadingStore(client, table)
    for n in range(1, 31):
        store.put(
            ReadingKey(f"d{n % 4}", n), ReadingInfo(str(T0 + 97 * n), temperature1=Decimal(n))
        )
    client.put_item(TableName=table, Item=tutorial_item("t", 1, str(T0), temperature1="23.74"))
    store.update(ReadingKey("d1", 5), InfoPatch(set={"info_timestamp": str(T0 + 86_400)}))
    client.delete_item(TableName=table, Key={"device_id": {"S": "d2"}, "datacount": {"N": "30"}})
    streams = make_streams_client(Settings(endpoint_url=LOCAL_URL))
    records = lambda_events(client, streams, table)
    bad = copy.deepcopy(records[3])
    bad["dynamodb"]["Keys"] = {"device_id": {"S": "d3"}}  # no datacount: not a reading's key
    bad["dynamodb"]["SequenceNumber"] = "999"
    batches = [records[:10], [*records[10:20], bad], records[10:20], records[20:]]

    answers = [lambda_handler({"Records": batch}, None) for batch in batches]

    assert answers == [
        {"batchItemFailures": []},
        {"batchItemFailures": [{"itemIdentifier": "999"}]},
        {"batchItemFailures": []},
        {"batchItemFailures": []},
    ]
    assert stored_history(client, f"{table}History") == expected_history(scan(client, table))
    statuses = HistoryTable(DynamoDB(client, f"{table}History")).statuses()
    assert [(s.reporter, s.consuming) for s in statuses] == [("lambda", True)]
