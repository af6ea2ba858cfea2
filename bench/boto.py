"""The boto3 every floor of the bench is measured with: boto3 as a script has it.

The same botocore Config as `gql serve` (retries, timeouts, connection pool: gql.store.client's
`client_config`), and botocore's own response parser: gql's client reads the answers that carry
items with orjson instead (gql/store/answers.py), and that is part of what is measured, not
of the floor. Figures that show the difference (the scan's) also time boto3 with gql's client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from gql.config import Settings
from gql.store.client import client_config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def script_client(settings: Settings, **overrides: Any) -> DynamoDBClient:
    session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region)
    params: dict[str, Any] = {"endpoint_url": settings.endpoint_url, **overrides}
    return session.client("dynamodb", config=client_config(settings), **params)
