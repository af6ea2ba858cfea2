"""The validation cache keyed by query text: errors are remembered, and the schema and its
rules are part of the key, so one schema's verdict never answers for another."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import GraphQLError

from gql.config import Settings
from gql.schema import build_schema, extensions

INTROSPECTION = "{ __schema { queryType { name } } }"


def messages(result: object) -> list[str]:
    return [e.message for e in getattr(result, "errors", None) or []]


def test_invalid_query_is_refused_the_same_way_every_time() -> None:
    schema = build_schema(Settings())

    first = messages(schema.execute_sync("{ nope }"))
    second = messages(schema.execute_sync("{ nope }"))

    assert first == second
    assert len(first) == 1
    assert "nope" in first[0]


def test_verdict_of_one_schema_does_not_answer_for_another() -> None:
    development = build_schema(Settings())
    production = build_schema(Settings(production=True))

    assert messages(development.execute_sync(INTROSPECTION)) == []
    assert messages(production.execute_sync(INTROSPECTION)) != []
    assert messages(development.execute_sync(INTROSPECTION)) == []


def test_same_text_is_validated_against_each_schemas_own_rules() -> None:
    deep = '{ device(deviceId: "d") { latestReading { device { deviceId } } } }'
    shallow = build_schema(Settings(max_depth=2))

    refused = messages(asyncio.run(shallow.execute(deep)))
    # Validated, then run without a store: its resolver fails, which is not a depth error.
    allowed = messages(asyncio.run(build_schema(Settings()).execute(deep)))

    assert any("exceeds maximum operation depth" in m for m in refused), refused
    assert not any("depth" in m for m in allowed), allowed


def test_a_text_seen_before_is_neither_parsed_nor_validated_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = build_schema(Settings())
    validated: list[object] = []
    validate = extensions._validate

    def counted(*args: Any) -> list[GraphQLError]:
        validated.append(args)
        return validate(*args)

    monkeypatch.setattr(extensions, "_validate", counted)
    text = "{ __typename seenBefore: __typename }"
    parsed = extensions._parse.cache_info()

    for _ in range(3):
        assert schema.execute_sync(text).data == {"__typename": "Query", "seenBefore": "Query"}

    now = extensions._parse.cache_info()
    assert (now.misses - parsed.misses, now.hits - parsed.hits) == (1, 2)
    assert len(validated) == 1


def test_only_a_text_that_validated_cleanly_is_ready_for_the_lane_of_its_schema() -> None:
    schema, other = build_schema(Settings()), build_schema(Settings())
    good, bad = "{ __typename readyForLane: __typename }", "{ notReadyForLane }"

    schema.execute_sync(good)
    schema.execute_sync(bad)

    assert extensions.validated_document(schema._schema, good) is not None
    assert extensions.validated_document(schema._schema, bad) is None
    assert extensions.validated_document(other._schema, good) is None


def test_the_ready_texts_are_bounded_and_the_least_recently_used_goes_first() -> None:
    schema = build_schema(Settings())
    texts = [f"{{ t{n}: __typename }}" for n in range(extensions.CACHED_DOCUMENTS + 1)]
    for text in texts[:2]:
        schema.execute_sync(text)
    # The first is used again, so the second is now the least recently used.
    assert extensions.validated_document(schema._schema, texts[0]) is not None

    for text in texts[2:]:
        schema.execute_sync(text)

    assert extensions.validated_document(schema._schema, texts[0]) is not None
    assert extensions.validated_document(schema._schema, texts[1]) is None
    assert extensions.validated_document(schema._schema, texts[-1]) is not None
