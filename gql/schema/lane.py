"""The query lane: a query whose text has run before, run on graphql-core directly.

Strawberry's way through a request (its view's request parsing, `Schema.execute`'s execution
context, extension runner and hooks) costs about 370-400 us of CPU on a `reading` whose own
execution costs 135-200 us (`python -m bench.lanes`). A text's first run always goes that way,
with every limit: the token limit, the parse, the validation rules (depth, aliases, numbers,
introspection in production). Once the Pipeline (gql/schema/extensions.py) has validated a
text with no error, a query of the same text is run here, with what the Pipeline and the
other extensions do around an operation done the same way:

- the operation's record and span (gql/schema/observed.py);
- the schema's error log, then the error codes and masking (`code_errors`);
- the scope check (`GQL_AUTH_REQUIRED`): a request it would refuse is not taken here, so
  Strawberry's way refuses it as it always did. (The trusted-document list is the HTTP edge's:
  it resolves the document as Strawberry's way does, gql/web/view.py.)

What the lane does not take goes Strawberry's way unchanged: mutations, subscriptions, texts
not yet validated, and whatever the HTTP edge does not offer it (gql/web/lane.py).
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationType, execute, get_operation_ast
from graphql.execution.middleware import MiddlewareManager
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult

from gql.access import Principal, require_scope
from gql.errors import GqlError
from gql.schema.executor import Executor
from gql.schema.extensions import code_errors, validated_document
from gql.schema.observed import operation_started, query_finished


@dataclass(frozen=True, slots=True)
class Prepared:
    """A query ready to run: its document, and the operation name the request gave."""

    document: DocumentNode
    requested: str | None  # as sent: graphql-core picks the operation by it
    name: str | None  # for the request's record: the one given, else the document's


class QueryLane:
    def __init__(
        self,
        schema: Schema,
        *,
        scopes: bool = False,
    ) -> None:
        self.schema = schema
        self.scopes = scopes  # GQL_AUTH_REQUIRED: ScopeCheck runs on Strawberry's way
        # Built empty once, as Strawberry builds one a request: the executor sees the same.
        self.middleware = MiddlewareManager()
        self.runs = 0  # queries run here (the tests and bench.lanes read it)

    def prepare(self, text: str, operation_name: str | None, auth: object) -> Prepared | None:
        """The query to run here; None: not one this lane takes (Strawberry's way runs it).

        `auth` is what the HTTP edge put in the ASGI scope (gql/web/http.py).
        """
        document = validated_document(self.schema._schema, text)
        if document is None:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return None
        if self.scopes and not _may_query(auth):
            return None
        name = operation_name or (operation.name.value if operation.name else None)
        return Prepared(document, operation_name, name)

    async def run(
        self,
        prepared: Prepared,
        context: object,
        variables: dict[str, Any] | None,
        extensions: dict[str, Any] | None,
        response: object,
    ) -> ExecutionResult:
        """Run it as `Schema.execute` would; `response` is the HTTP sub-response."""
        self.runs += 1
        record = operation_started()
        try:
            outcome = execute(
                self.schema._schema,
                prepared.document,
                context_value=context,
                variable_values=variables,
                operation_name=prepared.requested,
                middleware=self.middleware,
                executor_class=Executor,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry
                operation_extensions=extensions,
            )
            done = await outcome if isinstance(outcome, Awaitable) else outcome
            data, errors = done.data, done.errors
        except Exception as exc:  # as Schema.execute does: answered, masked, logged
            data, errors = None, [GraphQLError(str(exc), original_error=exc)]
        if errors:
            self.schema.process_errors(errors, None)
            errors = code_errors(errors, response)
        if record is not None:
            query_finished(record, prepared.name)
        return ExecutionResult(data=data, errors=errors)


def _may_query(auth: object) -> bool:
    if not isinstance(auth, Principal):
        return False
    try:
        require_scope(auth, "query")
    except GqlError:
        return False
    return True
