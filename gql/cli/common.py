"""What the commands share: a patient DynamoDB client and where it points."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from gql.config import Settings
from gql.errors import GqlError
from gql.store import make_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# argparse's `add_subparsers()` result; its class is private.
Commands = Any


def client(settings: Settings) -> DynamoDBClient:
    # The server's timeouts are sized for a request; a command can wait. With a 2 s read
    # timeout a slow CreateTable was retried, and the retry reported the table as existing.
    patient = dataclasses.replace(
        settings,
        connect_timeout=max(settings.connect_timeout, 5.0),
        read_timeout=max(settings.read_timeout, 60.0),
    )
    return make_client(patient)


def require_database(settings: Settings) -> None:
    if settings.backend == "embedded":
        raise GqlError(
            "this command needs a DynamoDB to talk to, and the embedded backend lives only inside "
            "`gql serve`. Set AWS_ENDPOINT_URL_DYNAMODB=http://localhost:8000 for DynamoDB Local, "
            "or GQL_BACKEND=aws for AWS."
        )


def where(settings: Settings) -> str:
    return settings.endpoint_url or f"AWS {settings.region}"
