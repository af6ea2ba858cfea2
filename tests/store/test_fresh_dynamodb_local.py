"""`fresh_dynamodb_local` (tests/conftest.py), the DynamoDB Local a module can have of its own:
none of the shared instance's tables are in it, and it serves DynamoDB Streams like the
shared one, so a module that makes many stream-enabled tables can move there."""

from __future__ import annotations

import time
import uuid

from gql.config import Settings
from gql.models import Change, ChangeKind, ReadingInfo, ReadingKey
from gql.store.client import DynamoDB
from gql.store.readings import ReadingStore
from gql.store.stream import StreamReader, make_streams_client
from gql.store.tables import Tables
from tests.conftest import LOCAL_URL, local_client
from tests.persistent_local import PersistentDynamoDBLocal
from tests.timing import patient


def test_it_is_an_instance_of_its_own(fresh_dynamodb_local: PersistentDynamoDBLocal) -> None:
    shared = local_client()
    name = f"Shared-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(shared, name), sleep=lambda _: None)
    tables.create(wait=True, stream=False)
    try:
        assert fresh_dynamodb_local.url != LOCAL_URL
        assert name in shared.list_tables()["TableNames"]
        assert name not in fresh_dynamodb_local.client.list_tables()["TableNames"]
    finally:
        tables.delete()


def test_its_tables_have_streams_that_deliver_changes(
    fresh_dynamodb_local: PersistentDynamoDBLocal,
) -> None:
    client = fresh_dynamodb_local.client
    name = f"Fresh-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(client, name), sleep=lambda _: None)
    tables.create(wait=True)
    try:
        streams = make_streams_client(Settings(endpoint_url=fresh_dynamodb_local.url))
        reader = StreamReader(DynamoDB(client, name), streams)
        reader.open()
        ReadingStore(client, name).put(ReadingKey("fresh", 1), ReadingInfo("1612519200"))
        changes: list[Change] = []
        deadline = time.monotonic() + patient(10)
        while not changes and time.monotonic() < deadline:
            changes = reader.poll()
            time.sleep(0.02)
        reader.close()
        assert [(c.kind, c.key) for c in changes] == [(ChangeKind.INSERT, ReadingKey("fresh", 1))]
    finally:
        tables.delete()
