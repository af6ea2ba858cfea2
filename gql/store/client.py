"""The DynamoDB client and the one door every request goes through.

`DynamoDB.call` is the only place that catches botocore errors; it turns them into the
project's errors (gql.errors) with the original kept as `__cause__`. `DynamoDBStreams.call`
is the same door for the table's stream, with the few errors only DynamoDB Streams has.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ReadTimeoutError,
)

from gql.errors import (
    BackendUnavailableError,
    ConditionFailedError,
    ItemTooLargeError,
    StoreError,
    StreamGapError,
    TableNotFoundError,
    ThrottledError,
    TransactionCanceledError,
)
from gql.store.codec import from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

    from gql.config import Settings

log = logging.getLogger("gql.store")

_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}
_UNAVAILABLE = {"InternalServerError", "ServiceUnavailable", "InternalFailure"}
# DynamoDB Streams answers LimitExceededException when GetRecords or DescribeStream is called
# too often; for DynamoDB itself the same code means too many table operations at once.
_STREAM_THROTTLED = {*_THROTTLED, "LimitExceededException"}
# The iterator is a token DynamoDB stops honouring after 15 minutes: the reader renews it.
ITERATOR_EXPIRED = "ExpiredIteratorException"


def make_client(settings: Settings, **overrides: Any) -> DynamoDBClient:
    """One client per process: botocore clients are thread-safe and pool their connections."""
    config = client_config(settings)
    session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region)
    params: dict[str, Any] = {"endpoint_url": settings.endpoint_url, **overrides}
    return session.client("dynamodb", config=config, **params)


def client_config(settings: Settings) -> Config:
    return Config(
        # total_max_attempts counts the first attempt too (max_attempts would count retries).
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_pool_connections=settings.max_workers,
        tcp_keepalive=True,
    )


class Budget:
    """How long one call may take, retries and their backoff included, and what it last saw.

    botocore retries inside a single call, sleeping between attempts; on its own it would go
    on after the caller has given up. `within(budget)` makes the calls of this thread stop
    sending once the deadline has passed, and remember the last error a retry was for, so
    the caller can tell throttling (THROTTLED) from an absent backend.
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.last_error = ""

    @property
    def throttled(self) -> bool:
        return self.last_error in _THROTTLED


_current = threading.local()


@contextmanager
def within(budget: Budget) -> Iterator[Budget]:
    _current.budget = budget
    try:
        yield budget
    finally:
        _current.budget = None


class _BudgetSpentError(Exception):
    pass


def _note_retry(response: Any = None, caught_exception: Any = None, **_: Any) -> None:
    budget: Budget | None = getattr(_current, "budget", None)
    if budget is None:
        return
    if response is not None:
        budget.last_error = response[1].get("Error", {}).get("Code", "") or budget.last_error
    elif caught_exception is not None:
        budget.last_error = type(caught_exception).__name__


def _stop_when_spent(**_: Any) -> None:
    budget: Budget | None = getattr(_current, "budget", None)
    if budget is not None and time.monotonic() >= budget.deadline:
        raise _BudgetSpentError


class DynamoDB:
    """A client, the table it serves, and error translation for every call."""

    def __init__(
        self, client: DynamoDBClient, table: str, *, lock: threading.Lock | None = None
    ) -> None:
        self.client = client
        self.table = table
        events = client.meta.events
        events.register("needs-retry.dynamodb", _note_retry, unique_id="gql-note-retry")
        events.register("before-send.dynamodb", _stop_when_spent, unique_id="gql-budget")
        # In-process moto is not thread-safe: the embedded backend passes a lock.
        self._lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self.client, operation)
        try:
            with self._lock:
                response: dict[str, Any] = method(**params)
        except ClientError as exc:
            raise self._translate(operation, exc) from exc
        except _BudgetSpentError:
            budget: Budget = _current.budget
            if budget.throttled:
                raise ThrottledError("the database is throttling requests; retry later") from None
            raise BackendUnavailableError("the database did not answer in time") from None
        except (ConnectionError, ReadTimeoutError, HTTPClientError) as exc:
            log.warning("dynamodb %s: %s", operation, exc)
            raise BackendUnavailableError("the database did not answer in time") from exc
        except NoCredentialsError as exc:
            raise StoreError("no AWS credentials were found for DynamoDB") from exc
        except BotoCoreError as exc:
            log.warning("dynamodb %s: %s", operation, exc)
            raise StoreError(f"the database request {operation} failed") from exc
        return response

    def _translate(self, operation: str, exc: ClientError) -> Exception:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        message = error.get("Message", "")
        request_id = exc.response.get("ResponseMetadata", {}).get("RequestId", "-")
        if code == "ConditionalCheckFailedException":
            item: Any = exc.response.get("Item")
            current = from_item(item) if item else None
            retries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
            return ConditionFailedError("the condition did not hold", current, retried=retries > 0)
        if code == "TransactionCanceledException":
            # An expected outcome of a transaction (a condition failed): the caller maps the
            # reasons, so this is not logged as a failure.
            reasons = exc.response.get("CancellationReasons", [])
            return TransactionCanceledError(
                "the transaction was cancelled",
                [str(r.get("Code", "None")) for r in reasons],
                [from_item(r["Item"]) if r.get("Item") else None for r in reasons],
                retried=exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0,
            )
        level = logging.DEBUG if code == "ResourceNotFoundException" else logging.WARNING
        log.log(
            level,
            "dynamodb %s on %s: %s %s (request %s)",
            operation,
            self.table,
            code,
            message,
            request_id,
        )
        if code in _THROTTLED:
            return ThrottledError("the database is throttling requests; retry later")
        if code in _UNAVAILABLE:
            return BackendUnavailableError("the database is unavailable; retry later")
        if code == "ResourceNotFoundException":
            return TableNotFoundError(f"table {self.table!r} does not exist")
        if code == "ValidationException" and "size" in message and "exceed" in message:
            return ItemTooLargeError("the reading is larger than DynamoDB's 400 KB item limit")
        return StoreError(
            f"the database refused {operation} ({code or 'unknown error'})", reason=code
        )


class DynamoDBStreams:
    """The streams client of one table's stream, and error translation for every call."""

    def __init__(self, client: DynamoDBStreamsClient, table: str) -> None:
        self.client = client
        self.table = table

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self.client, operation)
        try:
            response: dict[str, Any] = method(**params)
        except ClientError as exc:
            raise self._translate(operation, exc) from exc
        except (ConnectionError, ReadTimeoutError, HTTPClientError) as exc:
            log.warning("dynamodbstreams %s: %s", operation, exc)
            raise BackendUnavailableError("the table's stream did not answer in time") from exc
        except NoCredentialsError as exc:
            raise StoreError("no AWS credentials were found for DynamoDB Streams") from exc
        except BotoCoreError as exc:
            log.warning("dynamodbstreams %s: %s", operation, exc)
            raise StoreError(f"the stream request {operation} failed") from exc
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
        if code in _UNAVAILABLE:
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
