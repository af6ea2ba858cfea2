"""The stream reader says STREAM_GAP when changes may have been lost, and STREAM_DISABLED
when the table has no stream it can read; on the hand-written DynamoDB Streams."""

from __future__ import annotations

import pytest

from gql.errors import StreamDisabledError, StreamGapError
from gql.store.stream import StreamReader
from tests.store.streamfake import FakeStreams, FakeTables, client_error, keys, reader


@pytest.fixture
def streams() -> FakeStreams:
    fake = FakeStreams()
    fake.add_shard("shard-a")
    return fake


@pytest.fixture
def tables() -> FakeTables:
    return FakeTables()


# -- gaps -------------------------------------------------------------------------------------


def test_trimmed_data_is_a_gap_and_stays_one(tables: FakeTables, streams: FakeStreams) -> None:
    source = reader(tables, streams)
    streams.fail("get_records", client_error("TrimmedDataAccessException", "GetRecords"))

    for _ in range(2):
        with pytest.raises(StreamGapError):
            source.poll()


def test_a_shard_that_is_gone_is_a_gap(tables: FakeTables, streams: FakeStreams) -> None:
    source = reader(tables, streams)
    del streams.shards["shard-a"]

    with pytest.raises(StreamGapError):
        source.poll()


def test_changes_before_the_stream_was_turned_off_arrive_then_the_gap(
    tables: FakeTables, streams: FakeStreams
) -> None:
    source = reader(tables, streams)
    streams.write("shard-a", "dev", 1)
    streams.shards["shard-a"].closed = True
    tables.spec = None

    assert keys(source.poll()) == [("dev", 1)]
    with pytest.raises(StreamGapError, match="turned off"):
        source.poll()


def test_a_replaced_stream_is_a_gap(tables: FakeTables, streams: FakeStreams) -> None:
    source = reader(tables, streams, rediscover=0)
    tables.arn = streams.arn + "-new"

    with pytest.raises(StreamGapError, match="replaced"):
        source.poll()


def test_a_deleted_table_is_a_gap(tables: FakeTables, streams: FakeStreams) -> None:
    source = reader(tables, streams, rediscover=0)
    tables.exists = False

    with pytest.raises(StreamGapError, match="deleted"):
        source.poll()


# -- no suitable stream ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [None, {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}],
    ids=["no-stream", "keys-only"],
)
def test_open_without_a_stream_of_new_and_old_images_names_the_command(
    tables: FakeTables, streams: FakeStreams, spec: dict[str, object] | None
) -> None:
    tables.spec = spec
    source = StreamReader(tables.as_db(), streams.as_client())

    with pytest.raises(StreamDisabledError, match="`gql table stream on`"):
        source.open()


def test_poll_before_open_is_refused(tables: FakeTables, streams: FakeStreams) -> None:
    source = reader(tables, streams)
    source.close()

    with pytest.raises(Exception, match="not open"):
        source.poll()
