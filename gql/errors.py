"""The project's errors. Every layer raises these; only the schema turns them into GraphQL.

    GqlError
    ├── ConfigError                  a setting is missing or malformed
    ├── UnauthenticatedError         UNAUTHENTICATED: no credential, or not a valid one
    ├── ForbiddenError               FORBIDDEN: a valid credential without the scope needed
    ├── PersistedQueryNotFoundError  PERSISTED_QUERY_NOT_FOUND: a hash this server does not know
    ├── PersistedQueryNotInListError PERSISTED_QUERY_NOT_IN_LIST: not a trusted document
    ├── LiveError                    ends a subscription; clients re-read and subscribe again
    │   ├── StreamDisabledError      STREAM_DISABLED: the table has no (suitable) stream
    │   ├── StreamGapError           STREAM_GAP: changes were lost (trimmed, stream re-created)
    │   └── SlowConsumerError        SLOW_CONSUMER: the subscriber fell too far behind
    ├── InputError                   BAD_USER_INPUT: an argument, a number, a load file
    │   ├── BadCursorError           BAD_CURSOR: altered, expired or foreign cursor
    │   └── ItemTooLargeError        over DynamoDB's 400 KB item limit
    ├── ReadingNotFoundError         the key names no reading (update, delete)
    ├── ConditionFailedError         a condition or expectedVersion did not hold; has `current`
    └── StoreError                   DynamoDB could not do what was asked
        ├── ThrottledError           THROTTLED: retries ran out; has `retry_after`
        ├── BackendUnavailableError  BACKEND_UNAVAILABLE: cannot connect, timed out, 5xx
        ├── TableNotFoundError       the table does not exist (yet)
        ├── TransactionCanceledError a transaction wrote nothing; has DynamoDB's reason per action
        └── RelayUnavailableError    BACKEND_UNAVAILABLE: Redis (GQL_REDIS_URL) cannot be reached

A StoreError keeps the botocore exception as `__cause__`; its message never carries
DynamoDB's own text, so it is safe to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gql.models import Reading, ReadingKey


class GqlError(Exception):
    """Base of every error this project raises on purpose."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(GqlError):
    pass


class UnauthenticatedError(GqlError):
    code = "UNAUTHENTICATED"


class ForbiddenError(GqlError):
    code = "FORBIDDEN"


class PersistedQueryNotFoundError(GqlError):
    code = "PERSISTED_QUERY_NOT_FOUND"

    def __init__(self, message: str = "PersistedQueryNotFound") -> None:
        super().__init__(message)


class PersistedQueryNotInListError(GqlError):
    code = "PERSISTED_QUERY_NOT_IN_LIST"


class LiveError(GqlError):
    """Ends a subscription with a code; nothing after it is delivered."""


class StreamDisabledError(LiveError):
    code = "STREAM_DISABLED"


class StreamGapError(LiveError):
    code = "STREAM_GAP"


class SlowConsumerError(LiveError):
    code = "SLOW_CONSUMER"


class InputError(GqlError):
    code = "BAD_USER_INPUT"


class BadCursorError(InputError):
    code = "BAD_CURSOR"


class ItemTooLargeError(InputError):
    pass


class ReadingNotFoundError(GqlError):
    def __init__(self, key: ReadingKey) -> None:
        super().__init__(
            f"no reading with deviceId {key.device_id!r} and datacount {key.datacount}"
        )
        self.key = key


class ConditionFailedError(GqlError):
    def __init__(self, message: str, current: Reading | None, *, retried: bool = False) -> None:
        super().__init__(message)
        self.current = current
        # botocore retried the request: an earlier attempt may have been applied.
        self.retried = retried


class StoreError(GqlError):
    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason  # DynamoDB's error code, for logs and callers that need it


class ThrottledError(StoreError):
    code = "THROTTLED"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message, reason="Throttled")
        self.retry_after = retry_after


class BackendUnavailableError(StoreError):
    code = "BACKEND_UNAVAILABLE"


class TableNotFoundError(StoreError):
    code = "BACKEND_UNAVAILABLE"


class RelayUnavailableError(StoreError):
    """The Redis relay of live changes (gql/relay/) could not be reached or answered badly."""

    code = "BACKEND_UNAVAILABLE"


class TransactionCanceledError(StoreError):
    """A TransactWriteItems wrote nothing. `reasons` holds DynamoDB's code for each action, in
    order ("None" for the actions that were fine); `current` the item of each failed condition."""

    def __init__(
        self,
        message: str,
        reasons: list[str],
        current: list[Reading | None],
        *,
        retried: bool = False,
    ) -> None:
        super().__init__(message, reason="TransactionCanceledException")
        self.reasons = reasons
        self.current = current
        # botocore retried the request: an earlier attempt may have been applied.
        self.retried = retried
