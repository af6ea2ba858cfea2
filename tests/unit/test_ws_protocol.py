"""The shape of client messages on both WebSocket subprotocols (gql/web/protocol.py)."""

from __future__ import annotations

from typing import Any

import pytest

from gql.web.protocol import LEGACY_WS, TRANSPORT_WS, InvalidMessageError, check_message

QUERY = "subscription { readingChanges { kind } }"


def subscribe(**payload: Any) -> dict[str, Any]:
    return {"id": "1", "type": "subscribe", "payload": {"query": QUERY, **payload}}


@pytest.mark.parametrize(
    "message",
    [
        {"type": "connection_init"},
        {"type": "connection_init", "payload": None},
        {"type": "connection_init", "payload": {"x-api-key": "k"}},
        {"type": "ping"},
        {"type": "pong", "payload": {"at": 1}},
        subscribe(),
        subscribe(operationName=None, variables=None, extensions=None),
        subscribe(operationName="Op", variables={"d": "1"}, extensions={"persistedQuery": {}}),
        {"type": "complete", "id": "1"},
    ],
)
def test_valid_transport_messages_pass(message: dict[str, Any]) -> None:
    assert check_message(message, TRANSPORT_WS) is message


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([1, 2], "expected a JSON object with a type"),
        ("hello", "expected a JSON object with a type"),
        (None, "expected a JSON object with a type"),
        ({"id": "1"}, "type must be a string"),
        ({"type": 3}, "type must be a string"),
        ({"type": "start", "id": "1"}, "unknown type 'start'"),
        ({"type": "x" * 500}, "unknown type 'xxxxxxxxxxxxxxxxxxxxxxxx...'"),
        ({"type": "connection_init", "payload": [1]}, "connection_init payload must be an object"),
        ({"type": "subscribe", "payload": {"query": QUERY}}, "subscribe needs an id"),
        ({"type": "subscribe", "id": 1, "payload": {"query": QUERY}}, "subscribe needs an id"),
        ({"type": "subscribe", "id": "", "payload": {"query": QUERY}}, "subscribe needs an id"),
        ({"type": "subscribe", "id": "1", "payload": [1]}, "subscribe payload must be an object"),
        ({"type": "subscribe", "id": "1"}, "subscribe payload must be an object"),
        ({"type": "subscribe", "id": "1", "payload": {}}, "payload.query must be a string"),
        (subscribe(query=123), "subscribe payload.query must be a string"),
        (subscribe(operationName=7), "payload.operationName must be a string or null"),
        (subscribe(variables="x"), "subscribe payload.variables must be an object or null"),
        (subscribe(variables=[1]), "subscribe payload.variables must be an object or null"),
        (subscribe(extensions="x"), "subscribe payload.extensions must be an object or null"),
        ({"type": "complete"}, "complete needs an id"),
    ],
)
def test_invalid_transport_messages_say_what_is_wrong(message: object, reason: str) -> None:
    with pytest.raises(InvalidMessageError) as refused:
        check_message(message, TRANSPORT_WS)
    assert reason in refused.value.reason
    assert refused.value.reason.startswith("Invalid message: ")
    assert len(refused.value.reason.encode()) <= 123  # what a close frame can carry


def test_a_bad_request_keeps_its_operation_id() -> None:
    with pytest.raises(InvalidMessageError) as refused:
        check_message({"type": "start", "id": "7", "payload": {"query": 1}}, LEGACY_WS)
    assert refused.value.id == "7"
    with pytest.raises(InvalidMessageError) as no_id:
        check_message({"type": "start", "payload": {"query": QUERY}}, LEGACY_WS)
    assert no_id.value.id is None


@pytest.mark.parametrize(
    "message",
    [
        {"type": "connection_init", "payload": {}},
        {"type": "connection_terminate"},
        {"type": "start", "id": "1", "payload": {"query": QUERY, "variables": None}},
        {"type": "stop", "id": "1"},
    ],
)
def test_valid_legacy_messages_pass(message: dict[str, Any]) -> None:
    assert check_message(message, LEGACY_WS) is message


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"id": "1", "type": "start"}, "start payload must be an object"),
        ({"type": "subscribe", "id": "1", "payload": {"query": QUERY}}, "unknown type"),
        ({"type": "stop"}, "stop needs an id"),
        ({"type": "start", "id": "1", "payload": {"query": QUERY, "variables": "x"}}, "variables"),
    ],
)
def test_invalid_legacy_messages_say_what_is_wrong(message: object, reason: str) -> None:
    with pytest.raises(InvalidMessageError) as refused:
        check_message(message, LEGACY_WS)
    assert reason in refused.value.reason
