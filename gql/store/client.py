"""The DynamoDB client and the one door every request goes through.

`DynamoDB.call` is the only place that catches botocore errors; it turns them into the
project's errors (gql.errors) with the original kept as `__cause__`. gql/store/streamclient.py
is the same door for the table's stream.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
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
    TableNotFoundError,
    ThrottledError,
    TransactionCanceledError,
)
from gql.store.answers import ItemAnswerParserFactory
from gql.store.budget import (
    THROTTLED,
    Budget,
    BudgetSpentError,
    note_retry,
    state,
    stop_when_spent,
)
from gql.store.codec import from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from gql.config import Settings

log = logging.getLogger("gql.store")

UNAVAILABLE = {"InternalServerError", "ServiceUnavailable", "InternalFailure"}
INDEX_MISSING = "IndexUnavailable"
# The operations that accept ReturnConsumedCapacity: every one of them asks, so that what is
# recorded is the capacity DynamoDB bills, not an estimate.
_REPORTS_CAPACITY = {
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "batch_get_item",
    "batch_write_item",
    "transact_get_items",
    "transact_write_items",
    "execute_statement",
    "batch_execute_statement",
    "execute_transaction",
}


@dataclass(frozen=True)
class CallRecord:
    """What one DynamoDB call did, as told to the observer: names and figures, never values."""

    operation: str
    table: str
    started_ns: int  # wall clock, for a trace span
    seconds: float
    outcome: str  # ok, condition_failed, throttled or error
    error: str  # DynamoDB's error code, or the exception's name; "" when ok
    retries: int
    throttles: int  # attempts DynamoDB answered with a throttling error
    consumed: float  # capacity units DynamoDB reported


Observer = Callable[[CallRecord], None]


def make_client(settings: Settings, **overrides: Any) -> DynamoDBClient:
    """One client per process: botocore clients are thread-safe and pool their connections.
    Answers that carry items are read without botocore's walk (gql/store/answers.py).

    botocore's check of each request against the service model is off: every request is built
    here from values the schema and the store have checked already (and DynamoDB checks them
    again), and the check cost 40 us of CPU a call, 5% of a GetItem (bench variant
    param-validation)."""
    config = client_config(settings).merge(Config(parameter_validation=False))
    core = botocore.session.Session(profile=settings.profile)
    core.register_component("response_parser_factory", ItemAnswerParserFactory())
    session = boto3.session.Session(botocore_session=core, region_name=settings.region)
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


def _outcome(error: str) -> str:
    if not error:
        return "ok"
    if error == "ConditionalCheckFailedException":
        return "condition_failed"
    if error in THROTTLED or error == ThrottledError.__name__:
        return "throttled"
    return "error"


def consumed_capacity(response: dict[str, Any]) -> float:
    """The capacity units a response reports: one entry, or a list of them for batches."""
    reported = response.get("ConsumedCapacity")
    entries = reported if isinstance(reported, list) else [reported] if reported else []
    return float(sum(entry.get("CapacityUnits", 0) for entry in entries))


@dataclass(frozen=True)
class Service:
    """How the errors of one AWS service's client are told: in logs and in messages."""

    log_name: str  # dynamodb, dynamodbstreams
    name: str  # DynamoDB, DynamoDB Streams
    subject: str  # the database, the table's stream
    noun: str  # database, stream: "the database request get_item failed"


DATABASE = Service("dynamodb", "DynamoDB", "the database", "database")


@contextmanager
def transport_errors(operation: str, service: Service) -> Iterator[None]:
    """botocore's failures to reach the service as the project's errors (a ClientError, the
    service's own answer, is left to the caller, which knows what its codes mean)."""
    try:
        yield
    except (ConnectionError, ReadTimeoutError, HTTPClientError) as exc:
        log.warning("%s %s: %s", service.log_name, operation, exc)
        raise BackendUnavailableError(f"{service.subject} did not answer in time") from exc
    except NoCredentialsError as exc:
        raise StoreError(f"no AWS credentials were found for {service.name}") from exc
    except BotoCoreError as exc:
        log.warning("%s %s: %s", service.log_name, operation, exc)
        raise StoreError(f"the {service.noun} request {operation} failed") from exc


class DynamoDB:
    """A client, the table it serves, and error translation for every call."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        lock: threading.Lock | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.client = client
        self.table = table
        # Told about every call once it is over (metrics, request log, tracing: the app's
        # wiring); the store itself knows none of them.
        self.observer = observer
        events = client.meta.events
        events.register("needs-retry.dynamodb", note_retry, unique_id="gql-note-retry")
        events.register("before-send.dynamodb", stop_when_spent, unique_id="gql-budget")
        # In-process moto is not thread-safe: the embedded backend passes a lock.
        self._lock: AbstractContextManager[Any] = lock if lock is not None else nullcontext()

    def sibling(self, table: str) -> DynamoDB:
        """Another table through the same client, lock and observer (the history table)."""
        sibling = DynamoDB(self.client, table, observer=self.observer)
        sibling._lock = self._lock
        return sibling

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        if self.observer is None:
            return self._call(operation, params)
        if operation in _REPORTS_CAPACITY:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        state.attempts = state.throttles = 0
        started_ns = time.time_ns()
        started = time.perf_counter()
        response: dict[str, Any] = {}
        error = ""
        try:
            response = self._call(operation, params)
        except Exception as exc:
            cause = exc.__cause__
            error = (
                cause.response.get("Error", {}).get("Code", "")
                if isinstance(cause, ClientError)
                else ""
            ) or type(exc).__name__
            raise
        finally:
            self.observer(
                CallRecord(
                    operation=operation,
                    table=self.table,
                    started_ns=started_ns,
                    seconds=time.perf_counter() - started,
                    outcome=_outcome(error),
                    error=error,
                    retries=max(state.attempts - 1, 0),
                    throttles=state.throttles,
                    consumed=consumed_capacity(response),
                )
            )
        return response

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        method = getattr(self.client, operation)
        try:
            with self._lock, transport_errors(operation, DATABASE):
                response: dict[str, Any] = method(**params)
        except ClientError as exc:
            raise self._translate(operation, exc) from exc
        except BudgetSpentError:
            budget: Budget = state.budget
            if budget.throttled:
                raise ThrottledError("the database is throttling requests; retry later") from None
            raise BackendUnavailableError("the database did not answer in time") from None
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
        if code in THROTTLED:
            return ThrottledError("the database is throttling requests; retry later")
        if code in UNAVAILABLE:
            return BackendUnavailableError("the database is unavailable; retry later")
        if code == "ResourceNotFoundException":
            return TableNotFoundError(f"table {self.table!r} does not exist")
        if code == "ValidationException" and "size" in message and "exceed" in message:
            return ItemTooLargeError("the reading is larger than DynamoDB's 400 KB item limit")
        if code == "ValidationException" and (
            "specified index" in message or "backfilling" in message
        ):
            # A Query of the time index on a table that has none, or is still building it:
            # readers go without it (gql/store/windows.py).
            return StoreError(f"the index of {self.table!r} cannot be read", reason=INDEX_MISSING)
        return StoreError(
            f"the database refused {operation} ({code or 'unknown error'})", reason=code
        )
