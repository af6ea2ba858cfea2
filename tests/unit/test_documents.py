"""Which document runs: persisted queries by hash, the LRU bound, and the trusted-documents file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from gql.access.documents import Documents, PersistedQueries, load_trusted_documents
from gql.errors import (
    ConfigError,
    InputError,
    PersistedQueryNotFoundError,
    PersistedQueryNotInListError,
)

QUERY = "{ __typename }"
OTHER = "query Other { __typename }"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def by_hash(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest(text)}}


def test_a_plain_query_runs_as_sent() -> None:
    assert Documents(PersistedQueries(10)).resolve(QUERY, None) == QUERY


def test_an_unknown_hash_is_not_found_then_registered_then_served_by_hash() -> None:
    documents = Documents(PersistedQueries(10))
    with pytest.raises(PersistedQueryNotFoundError) as caught:
        documents.resolve(None, by_hash(QUERY))
    assert (caught.value.message, caught.value.code) == (
        "PersistedQueryNotFound",
        "PERSISTED_QUERY_NOT_FOUND",
    )
    assert documents.resolve(QUERY, by_hash(QUERY)) == QUERY
    assert documents.resolve(None, by_hash(QUERY)) == QUERY


def test_a_hash_that_is_not_the_query_s_is_bad_input_and_registers_nothing() -> None:
    documents = Documents(PersistedQueries(10))
    with pytest.raises(InputError, match="does not match the query"):
        documents.resolve(OTHER, by_hash(QUERY))
    with pytest.raises(PersistedQueryNotFoundError):
        documents.resolve(None, by_hash(QUERY))


@pytest.mark.parametrize(
    ("extension", "words"),
    [
        ("v1", "must be an object"),
        ({"version": 2, "sha256Hash": digest(QUERY)}, "only version 1"),
        ({"version": 1}, "64 lowercase hexadecimal"),
        ({"version": 1, "sha256Hash": digest(QUERY).upper()}, "64 lowercase hexadecimal"),
    ],
)
def test_a_malformed_persisted_query_extension_is_bad_input(extension: object, words: str) -> None:
    with pytest.raises(InputError, match=words):
        Documents(PersistedQueries(10)).resolve(None, {"persistedQuery": extension})


def test_the_cache_keeps_the_most_recently_used_documents() -> None:
    cache = PersistedQueries(2)
    documents = Documents(cache)
    texts = [f"query Q{i} {{ __typename }}" for i in range(3)]
    documents.resolve(texts[0], by_hash(texts[0]))
    documents.resolve(texts[1], by_hash(texts[1]))
    documents.resolve(None, by_hash(texts[0]))  # used: now the most recent
    documents.resolve(texts[2], by_hash(texts[2]))  # evicts texts[1]
    assert len(cache) == 2
    assert documents.resolve(None, by_hash(texts[0])) == texts[0]
    with pytest.raises(PersistedQueryNotFoundError):
        documents.resolve(None, by_hash(texts[1]))


def trusted() -> Documents:
    return Documents(PersistedQueries(10), {digest(QUERY): QUERY})


@pytest.mark.parametrize(
    ("query", "extensions"),
    [(QUERY, None), (None, by_hash(QUERY)), (QUERY, by_hash(QUERY))],
    ids=["by-text", "by-hash", "both"],
)
def test_a_trusted_document_runs(query: str | None, extensions: dict[str, Any] | None) -> None:
    assert trusted().resolve(query, extensions) == QUERY


@pytest.mark.parametrize(
    ("query", "extensions"),
    [(OTHER, None), (None, by_hash(OTHER)), (OTHER, by_hash(OTHER)), (QUERY + " ", None)],
    ids=["by-text", "by-hash", "registering", "same-but-a-space"],
)
def test_anything_else_is_not_in_the_list(
    query: str | None, extensions: dict[str, Any] | None
) -> None:
    with pytest.raises(PersistedQueryNotInListError) as caught:
        trusted().resolve(query, extensions)
    assert caught.value.code == "PERSISTED_QUERY_NOT_IN_LIST"


def manifest(*operations: object) -> dict[str, Any]:
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}


def write(tmp_path: Path, content: object) -> str:
    path = tmp_path / "manifest.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_an_apollo_manifest_and_a_flat_map_load_the_same(tmp_path: Path) -> None:
    operation = {"id": digest(QUERY), "name": "Typename", "type": "query", "body": QUERY}
    from_manifest = load_trusted_documents(write(tmp_path, manifest(operation)))
    from_map = load_trusted_documents(write(tmp_path, {digest(QUERY): QUERY}))
    assert from_manifest == from_map == {digest(QUERY): QUERY}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not JSON"),
        ([], "must be a JSON object"),
        ({}, "lists no document"),
        ({"format": "other", "version": 1, "operations": []}, '"format" must be'),
        (manifest(), "lists no document"),
        ({**manifest(), "operations": {}}, '"operations" must be a list'),
        (manifest("x"), "operations[0]: must be an object"),
        (
            manifest(
                {"id": digest(QUERY), "name": "A", "body": QUERY},
                {"id": "0" * 64, "name": "B", "body": OTHER},
            ),
            "operations[1] (B): the id '000",
        ),
        (manifest({"id": digest(QUERY), "name": "A"}), "operations[0] (A): the document must be"),
        ({digest(QUERY): QUERY, "abc": OTHER}, "entry 'abc': the id 'abc' is not the sha256"),
        ({digest(QUERY): 42}, f"entry '{digest(QUERY)}': the document must be"),
    ],
)
def test_a_malformed_file_stops_start_up_naming_the_file_and_the_entry(
    tmp_path: Path, content: object, words: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(ConfigError) as caught:
        load_trusted_documents(path)
    assert str(caught.value).startswith(f"GQL_TRUSTED_DOCUMENTS: {path}: ")
    assert words in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = str(tmp_path / "absent.json")
    with pytest.raises(ConfigError, match=f"GQL_TRUSTED_DOCUMENTS: {path}: cannot be read"):
        load_trusted_documents(path)
