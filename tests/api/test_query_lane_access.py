"""The query lane with access configured: API keys (scopes), trusted documents, and a
throttled read's Retry-After. Each case agrees three ways as in test_query_lane.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from gql.access import sha256
from gql.errors import ThrottledError
from gql.models import ReadingKey
from gql.schema.extensions import validated_document
from gql.store.readings import ReadingStore
from tests.api.lanes import (
    CASES,
    READING,
    Table,
    observe,
    request_log,
    served,
    table,
    three_ways,
    unique,
)
from tests.live.wsclient import TRANSPORT_WS, session

__all__ = ["request_log", "table"]  # fixtures, used by name

READ_KEY, WRITE_KEY = "lane-reader-key-0001", "lane-writer-key-0002"


class ThrottledStore(ReadingStore):
    def get(self, key: ReadingKey, *, consistent: bool = False) -> None:
        raise ThrottledError("the database is throttling requests; retry later", retry_after=3)


def test_a_throttled_read_sets_retry_after_on_the_lane_too(
    table: Table, caplog: pytest.LogCaptureFixture
) -> None:
    kind = ThrottledStore
    with served(table, kind=kind) as lane, served(table, lane=False, kind=kind) as plain:
        seen = three_ways((lane, plain), caplog, unique(CASES["reading"]))
    assert seen.headers["retry-after"] == "3"
    assert seen.body["errors"][0]["extensions"] == {"code": "THROTTLED", "retryAfter": 3}


def test_with_api_keys_a_reader_takes_the_lane_and_a_writer_is_refused_as_before(
    table: Table, caplog: pytest.LogCaptureFixture
) -> None:
    keys = frozenset({f"{READ_KEY}=readings:read", f"{WRITE_KEY}=readings:write"})
    with (
        served(table, api_keys=keys) as lane,
        served(table, lane=False, api_keys=keys) as plain,
    ):
        body = unique(CASES["reading"])
        reader = three_ways((lane, plain), caplog, body, {"x-api-key": READ_KEY})
        assert reader.body["data"]["reading"]["datacount"] == 2

        assert lane.view.query_lane is not None
        runs = lane.view.query_lane.runs
        writer = [observe(s, caplog, body, {"x-api-key": WRITE_KEY}) for s in (lane, plain)]
        assert lane.view.query_lane.runs == runs
        assert writer[0] == writer[1]
        assert writer[0].status == 403
        assert [e["extensions"]["code"] for e in writer[0].body["errors"]] == ["FORBIDDEN"]


def test_with_trusted_documents_only_a_trusted_text_takes_the_lane(
    table: Table, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    trusted = unique(CASES["reading"])
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps({sha256(trusted["query"]): trusted["query"]}))
    with (
        served(table, trusted_documents=str(manifest)) as lane,
        served(table, lane=False, trusted_documents=str(manifest)) as plain,
    ):
        seen = three_ways((lane, plain), caplog, trusted)
        assert seen.body["data"]["reading"]["datacount"] == 2

        assert lane.view.query_lane is not None
        runs = lane.view.query_lane.runs
        other = unique(CASES["reading"])
        refused = [observe(s, caplog, other) for s in (lane, lane, plain)]
        assert lane.view.query_lane.runs == runs
        assert refused[0] == refused[1] == refused[2]
        assert refused[0].status == 400


def test_a_text_validated_over_a_socket_but_not_trusted_stays_refused_over_http(
    table: Table, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # Over a socket the view's document check is skipped: the text is parsed and validated,
    # then refused by the schema's TrustedOnly. It is then known valid, and only the HTTP
    # edge's check of the list (the document resolved as Strawberry's way resolves it) keeps
    # it off the lane.
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps({sha256(READING): READING}))
    untrusted = unique(CASES["reading"])
    with served(table, trusted_documents=str(manifest)) as lane:

        async def over_a_socket() -> dict[str, Any]:
            async with session(str(lane.api.http.base_url), TRANSPORT_WS) as socket:
                await socket.subscribe("1", untrusted["query"], untrusted["variables"])
                return await socket.receive()

        refused = asyncio.run(over_a_socket())
        assert refused["type"] in ("error", "next"), refused
        assert "trusted" in json.dumps(refused)
        assert lane.view.query_lane is not None
        schema = lane.view.query_lane.schema._schema
        assert validated_document(schema, untrusted["query"]) is not None

        runs = lane.view.query_lane.runs
        seen = observe(lane, caplog, untrusted)
        assert lane.view.query_lane.runs == runs
        assert seen.status == 400
        assert "data" not in seen.body


def test_a_persisted_query_named_by_hash_takes_the_lane_over_post_and_get(
    table: Table, caplog: pytest.LogCaptureFixture
) -> None:
    body = unique(CASES["reading"])
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256(body["query"])}}
    with (
        served(table, persisted_query_max_age=60) as lane,
        served(table, lane=False, persisted_query_max_age=60) as plain,
    ):
        assert lane.view.query_lane is not None
        runs = lane.view.query_lane.runs
        registered = [observe(s, caplog, {**body, "extensions": persisted}) for s in (lane, plain)]
        assert registered[0] == registered[1]
        assert lane.view.query_lane.runs == runs  # the text's first run: Strawberry's way

        by_hash = {"variables": body["variables"], "extensions": persisted}
        for method in ("POST", "GET"):
            seen = [observe(s, caplog, by_hash, None, method) for s in (lane, plain)]
            assert seen[0] == seen[1]
            assert seen[0].body == registered[0].body
            assert seen[0].body["data"]["reading"]["datacount"] == 2
            # A CDN may keep the answer of a query named by hash over GET, as before.
            expected = "public, max-age=60" if method == "GET" else None
            assert seen[0].headers.get("cache-control") == expected
        assert lane.view.query_lane.runs == runs + 2
