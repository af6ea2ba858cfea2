"""The relay against a real redis-server: appended once, read back in order after an id, and
every way of losing entries told as STREAM_GAP, never as "nothing new"."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from gql.errors import RelayUnavailableError, StreamGapError
from gql.models import Change, ChangeKind, Reading, ReadingInfo, ReadingKey
from gql.relay import Appender, RelaySource, keys
from tests.redis_server import RedisServer, running_redis
from tests.timing import patient

TABLE = "Devices"


def change(n: int, device: str = "d1", kind: ChangeKind = ChangeKind.INSERT) -> Change:
    new = Reading(device, n, ReadingInfo("1612519200", temperature1=Decimal(f"{n}.5")), 1)
    return Change(kind, ReadingKey(device, n), new, None, 1_612_519_200.0, f"{n:021d}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def appender(server: RedisServer) -> Iterator[Appender]:
    appender = Appender(server.client(), TABLE, maxlen=100)
    yield appender
    appender.close()


@pytest.fixture
async def source(server: RedisServer) -> AsyncIterator[RelaySource]:
    source = RelaySource.from_url(server.url, TABLE, block_seconds=0.2)
    await source.open()
    yield source
    await source.aclose()


async def read_all(source: RelaySource, want: int) -> list[Change]:
    """Poll until `want` changes came, and then two empty polls in a row; a poll that finds
    Redis unreachable (being restarted) is made again."""
    found: list[Change] = []
    empty = 0
    for _ in range(int(patient(50))):
        try:
            batch = await source.poll()
        except RelayUnavailableError:
            continue
        found += batch
        empty = 0 if batch else empty + 1
        if len(found) >= want and empty >= 2:
            break
    return found


async def gap_of(source: RelaySource) -> StreamGapError:
    """The gap a source reports, polling while Redis is unreachable (being restarted)."""
    for _ in range(int(patient(20))):
        try:
            await source.poll()
        except RelayUnavailableError:
            continue
        except StreamGapError as gap:
            return gap
    raise AssertionError("the source reported no gap")


async def test_changes_come_back_in_order_and_equal(
    appender: Appender, source: RelaySource
) -> None:
    sent = [change(n) for n in range(1, 31)]
    appender.append(sent[:10])
    appender.append(sent[10:])

    assert await read_all(source, 30) == sent


async def test_a_reader_sees_only_what_was_appended_after_it_opened(
    server: RedisServer, appender: Appender
) -> None:
    appender.append([change(1)])
    late = RelaySource.from_url(server.url, TABLE, block_seconds=0.2)
    await late.open()
    try:
        appender.append([change(2)])
        assert await read_all(late, 1) == [change(2)]
    finally:
        await late.aclose()


async def test_a_replayed_batch_is_appended_once(
    appender: Appender, source: RelaySource, server: RedisServer
) -> None:
    appender.append([change(1), change(2)])
    # The consumer crashed before its checkpoint: the batch comes again, with what followed.
    again = Appender(server.client(), TABLE, maxlen=100)
    assert again.append([change(1), change(2), change(3)]) == 1

    assert await read_all(source, 3) == [change(1), change(2), change(3)]
    assert server.client().xlen(keys(TABLE)[0]) == 3


async def test_the_same_change_of_another_reading_is_not_a_duplicate(
    appender: Appender, source: RelaySource
) -> None:
    # Same sequence number, other reading: DynamoDB numbers each shard on its own.
    appender.append([change(1, "d1"), change(1, "d2")])

    assert await read_all(source, 2) == [change(1, "d1"), change(1, "d2")]


async def test_the_reader_drops_a_copy_that_reached_the_stream(
    appender: Appender, source: RelaySource, server: RedisServer
) -> None:
    appender.append([change(1)])
    # A copy the append script would have refused, written past it (as after a lost seen set).
    server.client().delete(keys(TABLE)[2])
    appender.append([change(1), change(2)])

    assert await read_all(source, 2) == [change(1), change(2)]


async def test_a_reader_resumes_after_a_restart_of_a_redis_that_keeps_its_data(
    tmp_path: Path,
) -> None:
    with running_redis(tmp_path / "kept", persistent=True) as server:
        source = RelaySource.from_url(server.url, TABLE, block_seconds=0.2)
        await source.open()
        try:
            Appender(server.client(), TABLE).append([change(1), change(2)])
            first = await read_all(source, 2)
            Appender(server.client(), TABLE).append([change(3)])
            server.restart()
            Appender(server.client(), TABLE).append([change(4)])
            after = await read_all(source, 2)
        finally:
            await source.aclose()

    assert first + after == [change(n) for n in (1, 2, 3, 4)]


async def test_a_redis_restarted_empty_is_a_gap_not_nothing_new(
    server: RedisServer, source: RelaySource, appender: Appender
) -> None:
    appender.append([change(1)])
    assert await read_all(source, 1) == [change(1)]
    server.restart()  # no persistence: the stream and its epoch are gone

    assert "Redis lost the relay's changes" in (await gap_of(source)).message
    # ... and so it stays, whatever is appended since.
    appender.append([change(2)])
    with pytest.raises(StreamGapError):
        await source.poll()


async def test_a_reader_whose_next_entries_were_trimmed_has_a_gap(
    appender: Appender, source: RelaySource, server: RedisServer
) -> None:
    appender.append([change(1)])
    assert await read_all(source, 1) == [change(1)]
    # MAXLEN ~100: Redis trims whole nodes of 100 entries, so 500 more trim some past it.
    appender.append([change(n) for n in range(2, 502)])
    assert server.client().xlen(keys(TABLE)[0]) < 501

    with pytest.raises(StreamGapError, match="trimmed"):
        await source.poll()


async def test_redis_back_from_an_older_snapshot_is_a_gap_for_readers_before_and_after(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "snapshot"
    with running_redis(directory) as server:
        appender = Appender(server.client(), TABLE)
        behind = RelaySource.from_url(server.url, TABLE, block_seconds=0.2)
        ahead = RelaySource.from_url(server.url, TABLE, block_seconds=0.2)
        try:
            await behind.open()
            appender.append([change(1)])
            server.client().save()  # the snapshot Redis will come back from
            await ahead.open()
            appender.append([change(2), change(3)])
            assert await read_all(ahead, 2) == [change(2), change(3)]
            server.stop(signal.SIGKILL)
            server.start()  # loads the snapshot: change(2) and change(3) are gone

            # `ahead` delivered entries the stream no longer has.
            assert "older copy" in (await gap_of(ahead)).message
            # `behind` would read change(1) and then go on past a hole, but the appender
            # finds its own last entry gone and starts a new epoch.
            appender.append([change(4)])
            assert "Redis lost the relay's changes" in (await gap_of(behind)).message
        finally:
            await behind.aclose()
            await ahead.aclose()
            appender.close()


def test_appending_to_a_redis_that_is_down_raises_and_appends_nothing(
    server: RedisServer, appender: Appender
) -> None:
    server.stop()

    with pytest.raises(RelayUnavailableError, match="could not append"):
        appender.append([change(1)])
