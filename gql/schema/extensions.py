"""Schema extensions: error codes and masking, and the limits on hostile documents."""

from __future__ import annotations

import logging
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection

from gql.config import Settings
from gql.errors import GqlError, ThrottledError

log = logging.getLogger("gql.errors")

INTERNAL_MESSAGE = "Internal server error."


class ErrorCodes(MaskErrors):
    """Every error gets `extensions.code`; anything unexpected is masked and logged.

    Our own errors (gql.errors) keep their message and code. Errors graphql-core raises while
    parsing, validating or coercing arguments have no original error: the client's fault,
    so BAD_USER_INPUT. Anything else becomes INTERNAL_SERVER_ERROR with a fixed message:
    no stack trace, host name or DynamoDB text leaves the server.
    """

    def __init__(self) -> None:
        super().__init__(error_message=INTERNAL_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._coded(error) for error in errors]

    def _coded(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, GqlError) and original.code != "INTERNAL_SERVER_ERROR":
            extensions = {"code": original.code}
            if isinstance(original, ThrottledError):
                extensions["retryAfter"] = str(original.retry_after)
                self._retry_after(original.retry_after)
            return _with(error, original.message, extensions)
        if original is None:
            code = (error.extensions or {}).get("code", "BAD_USER_INPUT")
            return _with(error, error.message, {"code": code})
        log.error("unexpected error at %s", error.path, exc_info=original)
        return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"}, masked=True)

    def _retry_after(self, seconds: int) -> None:
        response = getattr(self.execution_context.context, "response", None)
        headers = getattr(response, "headers", None)
        if headers is not None:
            headers["retry-after"] = str(seconds)


def _with(
    error: GraphQLError, message: str, extensions: dict[str, str], *, masked: bool = False
) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None if masked else error.original_error,
        extensions=extensions,
    )


def extensions_for(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so that no extension instance is shared between requests. The parser and
    validation caches still share one LRU per process, keyed by maxsize."""
    extensions: list[Callable[[], SchemaExtension]] = [
        ErrorCodes,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: QueryDepthLimiter(max_depth=settings.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if settings.production:
        extensions.append(DisableIntrospection)
    return extensions
