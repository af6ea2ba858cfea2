"""The schema's own checks, without the HTTP view: what a WebSocket's operations go through."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gql.access.auth import READ, Principal
from gql.config import Settings
from gql.schema import build_schema

TRUSTED = "query Trusted { __typename }"
OTHER = "query Other { __typename }"
MUTATION = 'mutation { deleteReadingIf(deviceId: "x", datacount: 1, condition: {}) { __typename } }'


@dataclass
class Socket:
    """What the schema reads of a connection: its ASGI scope (no HTTP status to set)."""

    scope: dict[str, Any] = field(default_factory=dict)


@dataclass
class Connection:
    request: Socket


def codes(result: Any) -> list[str]:
    return [error.extensions["code"] for error in result.errors or []]


async def test_only_trusted_documents_run_whatever_the_transport(tmp_path: Path) -> None:
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({hashlib.sha256(TRUSTED.encode()).hexdigest(): TRUSTED}))
    schema = build_schema(Settings(trusted_documents=str(path)))

    trusted = await schema.execute(TRUSTED)
    other = await schema.execute(OTHER)

    assert (trusted.data, trusted.errors) == ({"__typename": "Query"}, None)
    assert (other.data, codes(other)) == (None, ["PERSISTED_QUERY_NOT_IN_LIST"])


async def test_the_scope_is_checked_from_the_connection_s_principal() -> None:
    schema = build_schema(Settings(api_keys=frozenset({"k"})))
    reader = Connection(Socket({"auth": Principal("api-key #1", frozenset({READ}), "api_key")}))

    query = await schema.execute(TRUSTED, context_value=reader)
    mutation = await schema.execute(MUTATION, context_value=reader)
    unchecked = await schema.execute(TRUSTED, context_value=Connection(Socket()))

    assert (query.data, query.errors) == ({"__typename": "Query"}, None)
    assert (mutation.data, codes(mutation)) == (None, ["FORBIDDEN"])
    assert (unchecked.data, codes(unchecked)) == (None, ["UNAUTHENTICATED"])
