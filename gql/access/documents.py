"""Persisted queries (Apollo's APQ protocol) and trusted documents: which document runs.

A request may name its document by hash, `extensions.persistedQuery {version: 1, sha256Hash}`:

- hash alone, known: that document runs. Unknown: `PersistedQueryNotFound`
  (PERSISTED_QUERY_NOT_FOUND), and Apollo's link sends the hash again with the full text.
- hash with the text: the text must hash to it (else BAD_USER_INPUT); it is then remembered, in a
  bounded per-process LRU cache. Replicas each fill their own through the protocol's retry.

With trusted documents (an allow-list read at start-up), only the listed documents run, named
by hash or sent in full (the exact text: its sha256 must be a listed one); anything else is
PERSISTED_QUERY_NOT_IN_LIST. Nothing is registered then: the list is the whole cache.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from threading import Lock
from typing import Any

from gql.errors import (
    ConfigError,
    InputError,
    PersistedQueryNotFoundError,
    PersistedQueryNotInListError,
)

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueries:
    """hash -> document, the `size` most recently used."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._lock = Lock()  # the view may run in more than one thread (tests, sync callers)

    def get(self, digest: str) -> str | None:
        with self._lock:
            document = self._documents.get(digest)
            if document is not None:
                self._documents.move_to_end(digest)
            return document

    def put(self, digest: str, document: str) -> None:
        with self._lock:
            self._documents[digest] = document
            self._documents.move_to_end(digest)
            while len(self._documents) > self.size:
                self._documents.popitem(last=False)

    def __len__(self) -> int:
        return len(self._documents)


class Documents:
    """Resolves the document of a request from its `query` and `extensions`."""

    def __init__(self, cache: PersistedQueries, trusted: Mapping[str, str] | None = None):
        self.cache = cache
        self.trusted = trusted

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The document to run; None when the request has none (the view says so)."""
        digest = _requested_hash(extensions)
        if digest is None:
            if query is not None and self.trusted is not None and sha256(query) not in self.trusted:
                raise PersistedQueryNotInListError("this document is not a trusted document")
            return query
        if query is not None and sha256(query) != digest:
            raise InputError("extensions.persistedQuery.sha256Hash: does not match the query")
        if self.trusted is not None:
            if digest not in self.trusted:
                raise PersistedQueryNotInListError("this document is not a trusted document")
            return self.trusted[digest]
        if query is None:
            found = self.cache.get(digest)
            if found is None:
                raise PersistedQueryNotFoundError
            return found
        self.cache.put(digest, query)
        return query


def _requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    where = "extensions.persistedQuery"
    if not isinstance(persisted, Mapping):
        raise InputError(f"{where}: must be an object with version and sha256Hash")
    if persisted.get("version") != 1:
        raise InputError(f"{where}.version: only version 1 is supported")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise InputError(f"{where}.sha256Hash: must be 64 lowercase hexadecimal digits")
    return digest


def load_trusted_documents(path: str, variable: str = "GQL_TRUSTED_DOCUMENTS") -> dict[str, str]:
    """hash -> document from an Apollo persisted-query manifest or a flat `{hash: document}`.

    Every entry's hash is checked against its body, so a stale or hand-edited manifest stops
    the server at start-up instead of refusing the apps it was made for.
    """
    where = f"{variable}: {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a JSON object (a manifest or a hash map)")
    if "format" in data or "operations" in data:
        entries = _manifest_entries(data, where)
    else:
        entries = [(f"entry {key!r}", key, body) for key, body in data.items()]
    documents: dict[str, str] = {}
    for name, digest, body in entries:
        if not isinstance(body, str) or not body.strip():
            raise ConfigError(f"{where}: {name}: the document must be a non-empty string")
        if not isinstance(digest, str) or sha256(body) != digest:
            raise ConfigError(
                f"{where}: {name}: the id {digest!r} is not the sha256 of its document "
                f"({sha256(body)})"
            )
        documents[digest] = body
    if not documents:
        raise ConfigError(f"{where}: lists no document, so nothing could run")
    return documents


def _manifest_entries(data: dict[str, Any], where: str) -> list[tuple[str, object, object]]:
    if data.get("format") != MANIFEST_FORMAT or data.get("version") != 1:
        raise ConfigError(f'{where}: "format" must be "{MANIFEST_FORMAT}" and "version" 1')
    operations = data.get("operations")
    if not isinstance(operations, list):
        raise ConfigError(f'{where}: "operations" must be a list')
    entries: list[tuple[str, object, object]] = []
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise ConfigError(f"{where}: operations[{index}]: must be an object")
        name = f"operations[{index}] ({operation.get('name', 'unnamed')})"
        entries.append((name, operation.get("id"), operation.get("body")))
    return entries
