"""The operation a request ran, told to the request's record (gql.observe.requestlog) and trace."""

from __future__ import annotations

import contextlib

from strawberry.types import ExecutionContext

from gql.observe import RequestRecord, current, operation_name


def operation_started() -> RequestRecord | None:
    """The request's record, its operation's span started; None when not over HTTP."""
    record = current.get()
    if record is not None and record.trace is not None:
        record.trace.start_operation()
    return record


def operation_finished(record: RequestRecord, context: ExecutionContext) -> None:
    # A document that never parsed has no operation type: it stays "unknown".
    if context.graphql_document is not None:
        # RuntimeError: the operation name given names no operation in the document.
        with contextlib.suppress(RuntimeError):
            record.operation_type = context.operation_type.value
        record.operation_name = operation_name(context.operation_name)
    _end(record)


def query_finished(record: RequestRecord, name: str | None) -> None:
    """operation_finished for a query the lane ran (gql/schema/lane.py)."""
    record.operation_type = "query"
    record.operation_name = operation_name(name)
    _end(record)


def _end(record: RequestRecord) -> None:
    if record.trace is not None:
        record.trace.end_operation(record.operation_type, record.operation_name)
