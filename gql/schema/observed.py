"""The operation a request ran, told to the request's record (gql.observe.requestlog) and trace."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from gql.observe import current, operation_name


class OperationRecorder(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        record = current.get()
        if record is None:  # not over HTTP (a WebSocket), or not through the app
            yield
            return
        if record.trace is not None:
            record.trace.start_operation()
        yield
        context = self.execution_context
        # A document that never parsed has no operation type: it stays "unknown".
        if context.graphql_document is not None:
            # RuntimeError: the operation name given names no operation in the document.
            with contextlib.suppress(RuntimeError):
                record.operation_type = context.operation_type.value
            record.operation_name = operation_name(context.operation_name)
        if record.trace is not None:
            record.trace.end_operation(record.operation_type, record.operation_name)
