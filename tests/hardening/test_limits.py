"""Limits on hostile documents and bodies: depth, aliases, tokens, page size, body size."""

from __future__ import annotations

import json

import pytest
from graphql import Lexer, Source, TokenKind

from gql.config import Settings
from gql.store.readings import ReadingStore
from tests.api.conftest import settings_for
from tests.hardening.conftest import Figure, Http, Serve, codes
from tests.hardening.rawhttp import send_chunked, send_partial

DEFAULTS = Settings()
TEN_MB = 10 * 1024 * 1024


def nested(depth: int) -> str:
    """A document `depth` fields deep, as strawberry's QueryDepthLimiter counts depth."""
    inner = "deviceId"
    for level in range(depth - 1, 0, -1):
        inner = f"{'latestReading' if level % 2 else 'device'} {{ {inner} }}"
    return f'{{ device(deviceId: "d") {{ {inner} }} }}'


def aliased(count: int) -> str:
    return " ".join(f'a{i}: device(deviceId: "d{i}") {{ deviceId }}' for i in range(count))


def token_count(document: str) -> int:
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def with_tokens(count: int) -> str:
    """A valid document of exactly `count` tokens: spreads of one fragment (cheap to validate)."""
    lead = "__typename " if count % 2 == 0 else ""
    spreads = (count - 9 - (1 if lead else 0)) // 2
    document = "{ " + lead + "...F " * spreads + "} fragment F on Query { __typename }"
    assert token_count(document) == count
    return document


def messages(body: dict[str, object]) -> str:
    return json.dumps(body.get("errors", []))


# -- depth -------------------------------------------------------------------------------------


def test_depth_over_the_maximum_is_refused(http: Http, figure: Figure) -> None:
    depth = DEFAULTS.max_depth + 1
    body = http.body(nested(depth))
    figure(f"depth {depth} refused with {codes(body)} (GQL_MAX_DEPTH={DEFAULTS.max_depth})")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "depth" in messages(body)
    assert "data" not in body


def test_depth_at_the_maximum_is_served(http: Http, figure: Figure) -> None:
    body = http.body(nested(DEFAULTS.max_depth))
    figure(f"depth {DEFAULTS.max_depth} served, errors: {codes(body)}")
    assert "errors" not in body


def test_configured_depth_limit_is_enforced(
    serve: Serve, moto_store: ReadingStore, figure: Figure
) -> None:
    http = serve(settings_for(moto_store.table, max_depth=3), moto_store)
    served, refused = http.body(nested(3)), http.body(nested(4))
    figure(f"GQL_MAX_DEPTH=3: depth 3 errors {codes(served)}, depth 4 errors {codes(refused)}")
    assert "errors" not in served
    assert codes(refused) == ["BAD_USER_INPUT"]


# -- aliases -----------------------------------------------------------------------------------


def test_aliases_over_the_maximum_are_refused(http: Http, figure: Figure) -> None:
    count = DEFAULTS.max_aliases + 1
    body = http.body(f"{{ {aliased(count)} }}")
    figure(f"{count} aliases refused with {codes(body)} (GQL_MAX_ALIASES={DEFAULTS.max_aliases})")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "alias" in messages(body)


def test_aliases_at_the_maximum_are_served(http: Http, figure: Figure) -> None:
    body = http.body(f"{{ {aliased(DEFAULTS.max_aliases)} }}")
    figure(f"{DEFAULTS.max_aliases} aliases served, errors: {codes(body)}")
    assert "errors" not in body
    assert len(body["data"]) == DEFAULTS.max_aliases


def test_aliases_inside_fragments_are_counted(http: Http, figure: Figure) -> None:
    # 31 aliases, none in the operation itself: split over a named fragment and an inline one.
    half = (DEFAULTS.max_aliases + 1) // 2
    rest = DEFAULTS.max_aliases + 1 - half
    named = " ".join(f'f{i}: device(deviceId: "f{i}") {{ deviceId }}' for i in range(half))
    inline = " ".join(f'g{i}: device(deviceId: "g{i}") {{ deviceId }}' for i in range(rest))
    document = f"{{ ...A ... on Query {{ {inline} }} }} fragment A on Query {{ {named} }}"
    body = http.body(document)
    figure(f"{half} aliases in a fragment + {rest} in an inline fragment: {codes(body)}")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "alias" in messages(body)


# -- tokens ------------------------------------------------------------------------------------


def test_tokens_over_the_maximum_are_refused(http: Http, figure: Figure) -> None:
    count = DEFAULTS.max_tokens + 1
    body = http.body(with_tokens(count))
    figure(f"{count} tokens refused with {codes(body)} (GQL_MAX_TOKENS={DEFAULTS.max_tokens})")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "tokens" in messages(body)


def test_tokens_at_the_maximum_are_served(http: Http, figure: Figure) -> None:
    body = http.body(with_tokens(DEFAULTS.max_tokens))
    figure(f"{DEFAULTS.max_tokens} tokens served, errors: {codes(body)}")
    assert body == {"data": {"__typename": "Query"}}


# -- page size ---------------------------------------------------------------------------------

CONNECTION = "{{ edges {{ cursor }} }}"
PAGED = {
    "readingsByDevice": '{{ readingsByDevice(deviceId: "d", first: {n}) ' + CONNECTION + " }}",
    "scanReadings": "{{ scanReadings(first: {n}) " + CONNECTION + " }}",
    "Device.readings": '{{ device(deviceId: "d") {{ readings(first: {n}) ' + CONNECTION + " }} }}",
}


@pytest.mark.parametrize("field", PAGED)
def test_page_size_101_is_refused(http: Http, field: str, figure: Figure) -> None:
    body = http.body(PAGED[field].format(n=101))
    figure(f"{field}(first: 101) refused with {codes(body)}")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "first" in messages(body)


@pytest.mark.parametrize("field", PAGED)
def test_page_size_100_is_served(http: Http, field: str, figure: Figure) -> None:
    body = http.body(PAGED[field].format(n=100))
    figure(f"{field}(first: 100) served, errors: {codes(body)}")
    assert "errors" not in body


# -- body size ---------------------------------------------------------------------------------


def port_of(http: Http) -> int:
    return int(http.url.rsplit(":", 1)[1])


def test_declared_10mb_body_gets_413_before_it_is_read(http: Http, figure: Figure) -> None:
    # Content-Length says 10 MB but only 16 bytes follow: a server that read (or parsed) the
    # body first would wait for the rest and time out; an answer proves it never tried.
    prefix = b'{"query": "{ __t'
    response = send_partial(
        port_of(http),
        "/graphql",
        {"Content-Type": "application/json", "Content-Length": str(TEN_MB)},
        prefix,
        timeout=5,
    )
    figure(
        f"413 after {len(prefix)} of {TEN_MB:,} declared bytes, in {response.elapsed:.3f} s "
        f"(limit {DEFAULTS.max_body_bytes:,})"
    )
    assert response.status == 413
    assert codes(json.loads(response.body)) == ["BAD_USER_INPUT"]


def test_chunked_body_over_the_limit_gets_413(http: Http, figure: Figure) -> None:
    chunk = b" " * 16384
    chunks = (chunk for _ in range(TEN_MB // len(chunk)))
    response = send_chunked(
        port_of(http), "/graphql", {"Content-Type": "application/json"}, chunks, timeout=10
    )
    figure(
        f"chunked body: 413 after {response.body_bytes_sent:,} of {TEN_MB:,} bytes sent "
        f"in {response.elapsed:.3f} s ({'; '.join(response.notes)})"
    )
    assert response.status == 413
    assert response.body_bytes_sent < TEN_MB
