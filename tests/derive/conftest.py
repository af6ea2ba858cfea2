"""Fixtures of the derived history's tests.

`setup`: a table and its history table on moto and on DynamoDB Local, with a deriver fed
stream records made by hand (tests/derive/recording.py), and the check that the history is
what a full scan of the readings implies.

`own_local`: a DynamoDB Local of a test's own, in memory, for the long tests.

DynamoDB Local slows down as one instance holds more stream-enabled tables and stream records
(tests/conftest.py, `fresh_dynamodb_local`); each long test here writes thousands of changes
to stream-enabled tables, so each starts an instance of its own (tests/persistent_local.py,
inside the private network namespace like the shared ones): it depends on nothing that ran
before it, and slows no other test down.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

from gql.derive.batch import BatchDeriver
from gql.models import ReadingInfo, ReadingKey
from gql.store import DynamoDB, ReadingStore, Tables, record_of
from tests.conftest import LOCAL_URL, NO_LOCAL
from tests.derive.recording import Recorder, expected_history, scan, stored_history
from tests.persistent_local import PersistentDynamoDBLocal
from tests.timing import patient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient


@dataclass
class Setup:
    client: DynamoDBClient
    table: str
    history: str
    store: ReadingStore
    recorder: Recorder
    deriver: BatchDeriver

    def derive(self, records: list[dict[str, Any]]) -> None:
        outcome = self.deriver.derive([record_of(r) for r in records])
        assert outcome.failed == {}

    def check(self) -> None:
        expected = expected_history(scan(self.client, self.table))
        assert stored_history(self.client, self.history) == expected

    def put(self, device: str, datacount: int, timestamp: str, t1: str | None = None) -> None:
        info = ReadingInfo(timestamp, temperature1=Decimal(t1) if t1 is not None else None)
        key = ReadingKey(device, datacount)
        self.recorder.write(key, lambda: self.store.put(key, info))


@pytest.fixture
def setup(request: pytest.FixtureRequest, client: DynamoDBClient) -> Iterator[Setup]:
    name = f"Derive-{uuid.uuid4().hex[:8]}"
    moto = request.node.callspec.params["client"] == "moto"
    lock = threading.Lock() if moto else None  # in-process moto is not thread-safe
    tables = Tables(
        DynamoDB(client, name, lock=lock), history=f"{name}History", sleep=lambda _: None
    )
    tables.create(wait=True, stream=False)  # the records are made by hand: no stream is read
    with ThreadPoolExecutor(4) as pool:
        deriver = BatchDeriver(
            DynamoDB(client, name, lock=lock), DynamoDB(client, f"{name}History", lock=lock), pool
        )
        store = ReadingStore(client, name, lock=lock)
        yield Setup(client, name, f"{name}History", store, Recorder(client, name), deriver)
    tables.delete()


class OwnLocal(PersistentDynamoDBLocal):
    """A fresh in-memory DynamoDB Local, with clients for loading thousands of readings."""

    def __init__(self, log: Path) -> None:
        super().__init__(None, log)
        self.client.close()  # the one made for a few calls: replaced by one for many
        # Many threads write at once, and a loaded machine may answer a batch slowly.
        config = Config(
            max_pool_connections=32, read_timeout=patient(60), retries={"mode": "standard"}
        )
        self.client = boto3.client(
            "dynamodb",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=config,
        )
        self.streams: DynamoDBStreamsClient = boto3.client(
            "dynamodbstreams",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def env(self, table: str, **settings: str) -> dict[str, str]:
        """What `gql` needs to work on `table` here."""
        return {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "AWS_ENDPOINT_URL_DYNAMODB": self.url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": "us-east-1",
            "GQL_TABLE": table,
            "GQL_CURSOR_SECRET": "derive-tests-cursor-secret",
            **settings,
        }


@pytest.fixture
def own_local(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[OwnLocal]:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)  # only inside the private network namespace
    request.node.user_properties.append(("backend", "dynamodb-local"))
    local = OwnLocal(tmp_path / "dynamodb-local.log")
    try:
        local.start()
        yield local
    finally:
        local.stop()
        local.client.close()
        local.streams.close()
