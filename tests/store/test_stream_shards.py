"""The stream reader on a hand-written DynamoDB Streams: shard splits, lapsed iterators,
throttling and network faults, none of which DynamoDB Local makes on demand. (Gaps and
refused streams: test_stream_gaps.py.)"""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from gql.errors import (
    BackendUnavailableError,
    StreamGapError,
    ThrottledError,
)
from tests.store.streamfake import (
    FakeStreams,
    FakeTables,
    client_error,
    drain,
    iterator_requests,
    keys,
    reader,
)


@pytest.fixture
def streams() -> FakeStreams:
    fake = FakeStreams()
    fake.add_shard("shard-a")
    return fake


@pytest.fixture
def tables() -> FakeTables:
    return FakeTables()


# -- where reading starts ------------------------------------------------------------------


def test_open_starts_after_what_the_open_shards_already_hold(
    tables: FakeTables, streams: FakeStreams
) -> None:
    streams.write("shard-a", "before", 1)
    source = reader(tables, streams)
    streams.write("shard-a", "after", 1)
    streams.write("shard-a", "after", 2)

    assert drain(source) == [("after", 1), ("after", 2)]


def test_shards_closed_at_open_are_the_past_and_never_read(
    tables: FakeTables, streams: FakeStreams
) -> None:
    old = streams.add_shard("shard-old")
    streams.write("shard-old", "past", 1)
    old.closed = True
    source = reader(tables, streams, rediscover=0)
    streams.write("shard-a", "now", 1)

    assert drain(source) == [("now", 1)]


def test_a_shard_found_after_open_is_read_from_its_start(
    tables: FakeTables, streams: FakeStreams
) -> None:
    source = reader(tables, streams, rediscover=0)
    streams.add_shard("shard-b")
    streams.write("shard-b", "new-shard", 1)
    streams.write("shard-b", "new-shard", 2)

    assert drain(source) == [("new-shard", 1), ("new-shard", 2)]
    assert ("TRIM_HORIZON", None) in iterator_requests(streams)


def test_shards_are_listed_page_by_page(tables: FakeTables, streams: FakeStreams) -> None:
    streams.describe_page_size = 2
    for name in ("shard-b", "shard-c", "shard-d", "shard-e"):
        streams.add_shard(name)
    source = reader(tables, streams)
    for number, name in enumerate(("shard-a", "shard-c", "shard-e"), start=1):
        streams.write(name, name, number)

    assert sorted(drain(source)) == [("shard-a", 1), ("shard-c", 2), ("shard-e", 3)]
    assert sum(op == "describe_stream" for op, _ in streams.calls) == 3


# -- splits ---------------------------------------------------------------------------------


def test_a_split_shard_is_read_to_its_end_before_its_children(
    tables: FakeTables, streams: FakeStreams
) -> None:
    streams.page_size = 2  # the parent takes several polls to drain
    source = reader(tables, streams, rediscover=0)
    for number in range(1, 6):
        streams.write("shard-a", "dev", number)
    streams.shards["shard-a"].closed = True
    streams.add_shard("shard-a1", parent_id="shard-a")
    streams.add_shard("shard-a2", parent_id="shard-a")
    streams.write("shard-a1", "dev", 6)
    streams.write("shard-a2", "other", 1)

    seen = drain(source)

    assert [n for d, n in seen if d == "dev"] == [1, 2, 3, 4, 5, 6]
    assert seen.index(("other", 1)) > seen.index(("dev", 5))


def test_children_are_found_when_the_parent_ends_and_read_in_the_same_poll(
    tables: FakeTables, streams: FakeStreams
) -> None:
    source = reader(tables, streams, rediscover=3600)
    streams.write("shard-a", "dev", 1)
    streams.shards["shard-a"].closed = True
    streams.add_shard("shard-a1", parent_id="shard-a")
    streams.write("shard-a1", "dev", 2)

    assert keys(source.poll()) == [("dev", 1), ("dev", 2)]


# -- lapsed iterators ----------------------------------------------------------------------


def test_an_expired_iterator_is_renewed_after_the_last_sequence_number_read(
    tables: FakeTables, streams: FakeStreams
) -> None:
    source = reader(tables, streams)
    last = streams.write("shard-a", "dev", 1)
    assert keys(source.poll()) == [("dev", 1)]
    streams.write("shard-a", "dev", 2)
    streams.write("shard-a", "dev", 3)
    streams.expire_iterators()

    assert drain(source) == [("dev", 2), ("dev", 3)]
    assert iterator_requests(streams)[-1] == ("AFTER_SEQUENCE_NUMBER", last)


def test_an_expired_iterator_of_a_shard_read_from_its_start_restarts_there(
    tables: FakeTables, streams: FakeStreams
) -> None:
    source = reader(tables, streams, rediscover=0)
    streams.add_shard("shard-b")
    assert source.poll() == []  # shard-b found, its TRIM_HORIZON iterator taken, nothing yet
    streams.write("shard-b", "dev", 1)
    streams.expire_iterators("shard-b")

    assert drain(source) == [("dev", 1)]
    assert iterator_requests(streams)[-1] == ("TRIM_HORIZON", None)


def test_an_expired_iterator_with_no_known_position_is_a_gap(
    tables: FakeTables, streams: FakeStreams
) -> None:
    # Opened at LATEST and nothing read since: taking LATEST again would skip the changes
    # written while the iterator lapsed, so the reader says it may have lost some.
    source = reader(tables, streams)
    streams.write("shard-a", "dev", 1)
    streams.expire_iterators()

    with pytest.raises(StreamGapError):
        source.poll()


# -- transient failures keep every position -------------------------------------------------


def test_throttling_raises_and_the_next_poll_resumes_with_nothing_lost_or_repeated(
    tables: FakeTables, streams: FakeStreams
) -> None:
    source = reader(tables, streams)
    streams.write("shard-a", "dev", 1)
    streams.write("shard-a", "dev", 2)
    streams.fail("get_records", client_error("LimitExceededException", "GetRecords"))

    with pytest.raises(ThrottledError):
        source.poll()
    assert drain(source) == [("dev", 1), ("dev", 2)]


def test_what_was_read_before_a_failure_is_delivered_and_the_rest_follows(
    tables: FakeTables, streams: FakeStreams
) -> None:
    streams.add_shard("shard-b")
    source = reader(tables, streams)
    streams.write("shard-a", "first", 1)
    streams.write("shard-b", "second", 1)
    streams.write("shard-b", "second", 2)
    # shard-a answers, shard-b is throttled: shard-a's change comes now, shard-b's next.
    streams.fail("get_records", None, client_error("LimitExceededException", "GetRecords"))

    assert keys(source.poll()) == [("first", 1)]
    assert drain(source) == [("second", 1), ("second", 2)]


@pytest.mark.parametrize(
    "fault",
    [
        EndpointConnectionError(endpoint_url="http://x"),
        ReadTimeoutError(endpoint_url="http://x"),
        client_error("InternalServerError", "GetRecords"),
    ],
    ids=["refused", "timeout", "server-error"],
)
def test_network_errors_raise_backend_unavailable_and_keep_every_position(
    tables: FakeTables, streams: FakeStreams, fault: Exception
) -> None:
    source = reader(tables, streams)
    streams.write("shard-a", "dev", 1)
    assert keys(source.poll()) == [("dev", 1)]
    streams.write("shard-a", "dev", 2)
    streams.write("shard-a", "dev", 3)
    streams.fail("get_records", fault, fault)

    for _ in range(2):
        with pytest.raises(BackendUnavailableError):
            source.poll()
    assert drain(source) == [("dev", 2), ("dev", 3)]


def test_a_failed_rediscovery_is_tried_again_by_the_next_poll(
    tables: FakeTables, streams: FakeStreams
) -> None:
    source = reader(tables, streams, rediscover=0)
    streams.add_shard("shard-b")
    streams.write("shard-b", "new", 1)
    streams.fail("describe_stream", EndpointConnectionError(endpoint_url="http://x"))

    with pytest.raises(BackendUnavailableError):
        source.poll()
    assert drain(source) == [("new", 1)]
