"""The door every DynamoDB Streams request goes through, as gql/store/client.py is for tables."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from botocore.exceptions import (
    ClientError,
)

from gql.errors import BackendUnavailableError, StoreError, StreamGapError, ThrottledError
from gql.store.budget import THROTTLED
from gql.store.client import UNAVAILABLE, Service, transport_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

log = logging.getLogger("gql.store")

# DynamoDB Streams answers LimitExceededException when GetRecords or DescribeStream is called
# too often; for DynamoDB itself the same code means too many table operations at once.
_STREAM_THROTTLED = {*THROTTLED, "LimitExceededException"}
# The iterator is a token DynamoDB stops honouring after 15 minutes: the reader renews it.
ITERATOR_EXPIRED = "ExpiredIteratorException"
STREAMS = Service("dynamodbstreams", "DynamoDB Streams", "the table's stream", "stream")


class DynamoDBStreams:
    """The streams client of one table's stream, and error translation for every call."""

    def __init__(self, client: DynamoDBStreamsClient, table: str) -> None:
        self.client = client
        self.table = table

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self.client, operation)
        try:
            with transport_errors(operation, STREAMS):
                response: dict[str, Any] = method(**params)
        except ClientError as exc:
            raise self._translate(operation, exc) from exc
        return response

    def _translate(self, operation: str, exc: ClientError) -> Exception:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        request_id = exc.response.get("ResponseMetadata", {}).get("RequestId", "-")
        level = logging.DEBUG if code == ITERATOR_EXPIRED else logging.WARNING
        log.log(
            level,
            "dynamodbstreams %s on %s: %s %s (request %s)",
            operation,
            self.table,
            code,
            error.get("Message", ""),
            request_id,
        )
        if code in _STREAM_THROTTLED:
            return ThrottledError("the table's stream is throttling requests; retry later")
        if code in UNAVAILABLE:
            return BackendUnavailableError("the table's stream is unavailable; retry later")
        if code == "TrimmedDataAccessException":
            return StreamGapError("changes were trimmed from the stream before they were read")
        if code == "ResourceNotFoundException":
            return StreamGapError(f"the stream of table {self.table!r} or a shard of it is gone")
        if code == ITERATOR_EXPIRED:
            return StoreError("the stream's shard iterator expired", reason=code)
        return StoreError(
            f"the stream refused {operation} ({code or 'unknown error'})", reason=code
        )
