"""Schema extensions: error codes and masking, and the limits on hostile documents."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DocumentNode,
    FloatValueNode,
    GraphQLError,
    GraphQLSchema,
    IntValueNode,
    NoSchemaIntrospectionCustomRule,
    ObjectFieldNode,
    ValidationContext,
    ValidationRule,
    parse,
)
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from gql.access import load_trusted_documents
from gql.config import Settings
from gql.errors import GqlError, InputError, ThrottledError
from gql.schema.access import ScopeCheck, TrustedOnly
from gql.schema.observed import operation_finished, operation_started
from gql.store import to_number

log = logging.getLogger("gql.errors")

INTERNAL_MESSAGE = "Internal server error."
# Raised by Strawberry when the request names no operation it can run: the client's doing.
REQUEST_ERRORS = (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError)


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
        return code_errors(errors, getattr(self.execution_context.context, "response", None))

    def _process_result(self, result: object) -> None:
        # MaskErrors asks isinstance() of a runtime-checkable Protocol, which typing answers
        # by listing the protocol's members on every request (about 10 us); the attribute is
        # all it looks at.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


def code_errors(errors: list[GraphQLError], response: object) -> list[GraphQLError]:
    """The errors as the client sees them (ErrorCodes); `response` is the HTTP sub-response
    a THROTTLED error sets its Retry-After on (None over a socket)."""
    return [_coded(error, response) for error in errors]


def _coded(error: GraphQLError, response: object) -> GraphQLError:
    original = error.original_error
    if isinstance(original, GqlError) and original.code != "INTERNAL_SERVER_ERROR":
        extensions: dict[str, Any] = {"code": original.code}
        if isinstance(original, ThrottledError):
            extensions["retryAfter"] = original.retry_after
            headers = getattr(response, "headers", None)
            if headers is not None:
                headers["retry-after"] = str(original.retry_after)
        return _with(error, original.message, extensions)
    # graphql-core wraps a variable's coercion error in another GraphQLError; such errors
    # have no path, unlike an output value that could not be serialized (our fault).
    client_fault = original is None or (isinstance(original, GraphQLError) and not error.path)
    if client_fault:
        code = (error.extensions or {}).get("code", "BAD_USER_INPUT")
        return _with(error, error.message, {"code": code})
    if isinstance(original, GlobalIDValueError):
        return _with(error, f"id: {original}", {"code": "BAD_USER_INPUT"})
    if isinstance(original, REQUEST_ERRORS):
        return _with(error, error.message, {"code": "BAD_USER_INPUT"})
    log.error("unexpected error at %s", error.path, exc_info=original)
    return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR"}, masked=True)


def _with(
    error: GraphQLError, message: str, extensions: dict[str, Any], *, masked: bool = False
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


class NumberLiterals(ValidationRule):
    """Numbers written in the document must be storable: at most 38 digits, finite, in range.

    GraphQL's Float is a double, so graphql-core would silently round a 39-digit literal and
    turn 1e400 into infinity; this rule refuses them while the literal text is still known.
    """

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.path: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        self.path.append(node.name.value)

    def leave_argument(self, *_: object) -> None:
        self.path.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: object) -> None:
        self.path.append(node.name.value)

    def leave_object_field(self, *_: object) -> None:
        self.path.pop()

    def enter_float_value(self, node: FloatValueNode, *_: object) -> None:
        self._check(node)

    def enter_int_value(self, node: IntValueNode, *_: object) -> None:
        self._check(node)

    def _check(self, node: FloatValueNode | IntValueNode) -> None:
        try:
            to_number(node.value, ".".join(self.path) or "number")
        except InputError as exc:
            self.report_error(GraphQLError(exc.message, node))


class Pipeline(ErrorCodes):
    """What every request goes through, in one extension.

    The token limit, the parse and validation caches, the validation rules, the operation's
    record and trace, and the error codes. Strawberry builds each extension's hook wrappers
    anew for each lifecycle step of each request: as six extensions, they cost 25-50 us of the
    server's CPU a request (`bench.compare none six-extensions`).
    """

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], max_tokens: int) -> None:
        super().__init__()
        self.rules = rules
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = context.validation_rules + self.rules
        record = operation_started()
        # MaskErrors' own hook: once the operation has run, the result's errors are coded.
        yield from super().on_operation()
        if record is not None:
            operation_finished(record, context)

    def on_parse(self) -> Iterator[None]:
        # A document that does not parse is left unparsed: Strawberry parses it again itself
        # and answers the error as a request error, on every transport. (Raised out of the
        # hook, a WebSocket client got a bare `complete` and the log a traceback.)
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = _parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        # Keyed by the query text rather than the parsed document, as strawberry's
        # ValidationCache is: hashing a document walks its whole tree (about 27 us for a
        # `reading` query); a string caches its hash. Bounded, like the parser cache.
        context = self.execution_context
        if not isinstance(context.query, str):  # e.g. a document given already parsed
            context.pre_execution_errors = _validate(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
            yield
            return
        key = (context.schema._schema, context.query, context.validation_rules)
        errors = _VALIDATED.get(key)
        if errors is None:
            errors = _validate(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
            _remember(_VALIDATED, key, errors)
        else:
            _VALIDATED.move_to_end(key)
        if not errors and context.graphql_document is not None:
            _remember(_READY, (context.schema._schema, context.query), context.graphql_document)
        context.pre_execution_errors = errors
        yield


CACHED_DOCUMENTS = 256
_parse = functools.lru_cache(maxsize=CACHED_DOCUMENTS)(parse)
_VALIDATED: OrderedDict[tuple[Any, ...], list[GraphQLError]] = OrderedDict()
# Texts that parsed and validated without an error, under the schema's own rules: what the
# query lane (gql/schema/lane.py) may run without this extension.
_READY: OrderedDict[tuple[GraphQLSchema, str], DocumentNode] = OrderedDict()


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    if len(cache) > CACHED_DOCUMENTS:
        cache.popitem(last=False)


def validated_document(schema: GraphQLSchema, text: str) -> DocumentNode | None:
    """The document of a text that has run before without a parse or validation error."""
    key = (schema, text)
    document = _READY.get(key)
    if document is not None:
        _READY.move_to_end(key)
    return document


def _validate(*args: Any) -> list[GraphQLError]:
    # Imported here, as strawberry's own ValidationCache does: a cycle at import time.
    from strawberry.schema.schema import validate_document

    return validate_document(*args)


def extensions_for(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, so that no extension instance is shared between requests.

    The validation rules are built once, here: the validation cache is keyed by the rule
    classes, and QueryDepthLimiter/MaxAliasesLimiter make a new class each time they are
    constructed, so building them per request made every request a cache miss.
    """
    rules: tuple[type[ASTValidationRule], ...] = (
        NumberLiterals,
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    )
    if settings.production:
        rules += (NoSchemaIntrospectionCustomRule,)  # what DisableIntrospection adds
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: Pipeline(rules, settings.max_tokens),
    ]
    if settings.auth_required:
        extensions.append(ScopeCheck)
    if settings.trusted_documents:
        # Checked here too, for every transport: a WebSocket's documents skip the HTTP view.
        trusted = load_trusted_documents(settings.trusted_documents)
        extensions.append(lambda: TrustedOnly(trusted))
    return extensions
