"""The zero-setup backend: DynamoDB emulated in this process by moto, in memory.

Used when nothing points the server at a real DynamoDB. In-process moto is not thread-safe
(it loses concurrent updates), so every request to it is serialized by one lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto import mock_aws

from gql.store.client import DynamoDB, make_client
from gql.store.tables import Tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from gql.config import Settings


@dataclass
class Embedded:
    client: DynamoDBClient
    lock: threading.Lock
    _mock: Any

    def close(self) -> None:
        self._mock.stop()


def start_embedded(settings: Settings) -> Embedded:
    """Start moto, create the table in it, and return a client bound to it."""
    mock = mock_aws()
    mock.start()
    client = make_client(
        settings,
        endpoint_url=None,
        aws_access_key_id="embedded",
        aws_secret_access_key="embedded",  # noqa: S106 - moto accepts any credentials
        aws_session_token=None,
    )
    lock = threading.Lock()
    Tables(DynamoDB(client, settings.table, lock=lock)).create(wait=True)
    return Embedded(client=client, lock=lock, _mock=mock)
