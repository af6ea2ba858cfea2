"""The shape of each client message of the two GraphQL-over-WebSocket subprotocols.

graphql-transport-ws (the `graphql-ws` npm package's protocol) says that a message of an unknown
type or format closes the socket with 4400; its reference server checks each field's type as
below. The legacy graphql-ws (subscriptions-transport-ws) has no such rule, so the same one is
applied to it: a client that sends what no protocol message looks like gets 4400 and a reason,
on either subprotocol, before anything else reads the message.

Reasons are short (a close frame holds 123 bytes) and never quote the client's document or
variables: they go to the log line of the socket too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INVALID = 4400
MAX_REASON = 120


class InvalidMessageError(Exception):
    """Not a message of the subprotocol; `reason` says which part, `id` is the operation's."""

    def __init__(self, reason: str, op_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:MAX_REASON]
        self.id = op_id


# Client message types and whether each carries an operation id and a request payload.
TRANSPORT_WS: Mapping[str, tuple[bool, bool]] = {
    "connection_init": (False, False),
    "ping": (False, False),
    "pong": (False, False),
    "subscribe": (True, True),
    "complete": (True, False),
}
LEGACY_WS: Mapping[str, tuple[bool, bool]] = {
    "connection_init": (False, False),
    "connection_terminate": (False, False),
    "start": (True, True),
    "stop": (True, False),
}


def check_message(message: object, types: Mapping[str, tuple[bool, bool]]) -> dict[str, Any]:
    """`message`, if it is one of `types` with fields of the right types; else an error."""
    if not isinstance(message, dict):
        raise InvalidMessageError("Invalid message: expected a JSON object with a type")
    kind = message.get("type")
    if not isinstance(kind, str):
        raise InvalidMessageError("Invalid message: type must be a string")
    if kind not in types:
        raise InvalidMessageError(f"Invalid message: unknown type {_quote(kind)}")
    with_id, with_request = types[kind]
    op_id = message.get("id")
    if with_id and (not isinstance(op_id, str) or not op_id):
        raise InvalidMessageError(f"Invalid message: {kind} needs an id, a non-empty string")
    op_id = op_id if with_id else None
    payload = message.get("payload")
    if with_request:
        _check_request(kind, payload, op_id)
    elif payload is not None and not isinstance(payload, dict):
        raise InvalidMessageError(f"Invalid message: {kind} payload must be an object", op_id)
    return message


def _check_request(kind: str, payload: object, op_id: str | None) -> None:
    if not isinstance(payload, dict):
        raise InvalidMessageError(f"Invalid message: {kind} payload must be an object", op_id)
    if not isinstance(payload.get("query"), str):
        raise InvalidMessageError(f"Invalid message: {kind} payload.query must be a string", op_id)
    if not isinstance(payload.get("operationName"), str | None):
        raise InvalidMessageError(
            f"Invalid message: {kind} payload.operationName must be a string or null", op_id
        )
    for name in ("variables", "extensions"):
        if not isinstance(payload.get(name), dict | None):
            raise InvalidMessageError(
                f"Invalid message: {kind} payload.{name} must be an object or null", op_id
            )


def _quote(kind: str) -> str:
    """The client's type name, cut short: it ends up in a close frame and the log."""
    shown = kind if len(kind) <= 24 else kind[:24] + "..."
    return repr(shown)
