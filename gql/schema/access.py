"""Who may run what: the scope an operation needs, and the trusted-documents allow-list.

Both are checked once the operation is known and before it runs, whatever the transport
(HTTP, or a WebSocket whose documents never pass through the HTTP view). A refusal answers
the coded error with no data; over HTTP the status says it too (401, 403, 400).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from gql.access import Principal, require_scope, scope_for, sha256
from gql.errors import (
    ForbiddenError,
    GqlError,
    PersistedQueryNotInListError,
    UnauthenticatedError,
)

_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403}


class _Guard(SchemaExtension):
    def check(self) -> None:
        raise NotImplementedError

    def on_execute(self) -> Iterator[None]:
        try:
            self.check()
        except GqlError as exc:
            self._refuse(exc)
        yield

    def _refuse(self, exc: GqlError) -> None:
        response: Any = getattr(self.execution_context.context, "response", None)
        if hasattr(response, "status_code"):  # HTTP only; a socket has no status
            response.status_code = _STATUS.get(exc.code, 400)
            self.headers(response.headers, exc)
        error = GraphQLError(exc.message, original_error=exc, extensions={"code": exc.code})
        if self.execution_context.operation_type.value == "subscription":
            raise error from None
        # A result set before execution is answered as it is, through ErrorCodes.
        self.execution_context.result = ExecutionResult(data=None, errors=[error])

    def headers(self, headers: Any, exc: GqlError) -> None:
        pass


class ScopeCheck(_Guard):
    """The scope the operation that runs needs (gql.access.auth.scope_for).

    The HTTP edge put the caller's Principal in the ASGI scope (`auth`), and the WebSocket's
    on_ws_connect does the same for a socket.
    """

    def check(self) -> None:
        self.principal = self._principal()
        if not isinstance(self.principal, Principal):  # not reached: the edge always sets it
            raise UnauthenticatedError("the request carried no checked credential")
        require_scope(self.principal, self.execution_context.operation_type.value)

    def _principal(self) -> object:
        request = getattr(self.execution_context.context, "request", None)
        scope = getattr(request, "scope", None) or {}
        return scope.get("auth")

    def headers(self, headers: Any, exc: GqlError) -> None:
        principal = getattr(self, "principal", None)
        if isinstance(exc, ForbiddenError) and getattr(principal, "kind", "") == "token":
            needed = scope_for(self.execution_context.operation_type.value)
            # RFC 6750, section 3.1
            headers["www-authenticate"] = f'Bearer error="insufficient_scope", scope="{needed}"'


class TrustedOnly(_Guard):
    """Only the documents of the allow-list run (hash -> document, see gql.access.documents)."""

    def __init__(self, trusted: Mapping[str, str]) -> None:
        self.trusted = trusted

    def check(self) -> None:
        query = self.execution_context.query
        if query is None or sha256(query) not in self.trusted:
            raise PersistedQueryNotInListError("this document is not a trusted document")
