"""The consumer on DynamoDB Local's real stream: derive, sink, checkpoints, status, restarts."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from gql.config import Settings
from gql.derive import BatchDeriver, Consumer
from gql.models import Change, ChangeKind, ReadingInfo, ReadingKey
from gql.store import (
    DynamoDB,
    HistoryTable,
    PeriodCache,
    ReadingStore,
    StreamFeed,
    Tables,
    make_streams_client,
)
from tests.conftest import LOCAL_URL, local_client
from tests.derive.recording import expected_history, scan, stored_history, tutorial_item
from tests.timing import patient

T0 = 1_612_519_200


@pytest.fixture
def names(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    client = local_client()
    request.node.user_properties.append(("backend", "dynamodb-local"))
    name = f"Consume-{uuid.uuid4().hex[:8]}"
    tables = Tables(DynamoDB(client, name), history=f"{name}History", sleep=lambda _: None)
    tables.create(wait=True)
    yield name, f"{name}History"
    tables.delete()


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


class Collecting:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.fail_next = False

    def __call__(self, changes: Sequence[Change]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the sink is down")
        self.changes += changes


def consumer_for(
    names: tuple[str, str],
    pool: ThreadPoolExecutor,
    sink: Collecting | None = None,
    periods: PeriodCache | None = None,
) -> Consumer:
    """A consumer as `gql derive` makes one: it keeps the periods it derives."""
    client = local_client()
    readings, history = DynamoDB(client, names[0]), DynamoDB(client, names[1])
    streams = make_streams_client(Settings(endpoint_url=LOCAL_URL))
    feed = StreamFeed(readings, streams, history)
    deriver = BatchDeriver(
        readings, history, pool, periods=periods if periods is not None else PeriodCache()
    )
    return Consumer(feed, deriver, HistoryTable(history), sink=sink)


def drain(consumer: Consumer, since: float, timeout: float = 60.0) -> None:
    """Step until the consumer has found the stream at its end after `since` (failing after
    `patient(timeout)`)."""
    deadline = time.monotonic() + patient(timeout)
    while True:
        consumer.step()
        up_to = consumer.feed.up_to
        if up_to is not None and up_to > since:
            return
        assert time.monotonic() < deadline, "the consumer did not catch up"


def test_the_consumer_derives_the_stream_and_reports_how_far_it_is(
    names: tuple[str, str], pool: ThreadPoolExecutor
) -> None:
    client = local_client()
    store = ReadingStore(client, names[0])
    consumer = consumer_for(names, pool)
    consumer.feed.open()
    store.put(ReadingKey("a", 1), ReadingInfo(str(T0), temperature1=Decimal("20.5")))
    client.put_item(
        TableName=names[0], Item=tutorial_item("b", 1, str(T0 + 9), temperature1="23.74")
    )
    written = time.time()

    drain(consumer, written)

    assert stored_history(client, names[1]) == expected_history(scan(client, names[0]))
    statuses = HistoryTable(DynamoDB(client, names[1])).statuses()
    assert [(s.reporter, s.backlog, s.consuming) for s in statuses] == [("derive", 0, True)]
    assert statuses[0].up_to is not None
    assert statuses[0].up_to > written


def test_the_sink_gets_each_change_in_order_but_not_the_index_fixes(
    names: tuple[str, str], pool: ThreadPoolExecutor
) -> None:
    client = local_client()
    sink = Collecting()
    consumer = consumer_for(names, pool, sink)
    consumer.feed.open()
    client.put_item(TableName=names[0], Item=tutorial_item("b", 1, str(T0), temperature1="1"))
    client.put_item(TableName=names[0], Item=tutorial_item("b", 1, str(T0), temperature1="2"))
    client.delete_item(TableName=names[0], Key={"device_id": {"S": "b"}, "datacount": {"N": "1"}})

    drain(consumer, time.time())

    assert [c.kind for c in sink.changes] == [
        ChangeKind.INSERT,
        ChangeKind.MODIFY,
        ChangeKind.REMOVE,
    ]
    sequences = [int(c.sequence) for c in sink.changes]
    assert sequences == sorted(sequences)


def test_a_batch_whose_sink_failed_is_derived_and_sunk_again(
    names: tuple[str, str], pool: ThreadPoolExecutor
) -> None:
    client = local_client()
    sink = Collecting()
    consumer = consumer_for(names, pool, sink)
    consumer.feed.open()
    ReadingStore(client, names[0]).put(ReadingKey("a", 1), ReadingInfo(str(T0)))
    sink.fail_next = True

    with pytest.raises(RuntimeError, match="the sink is down"):
        consumer.step()
    consumer.feed.rewind()
    drain(consumer, time.time())

    assert [c.key for c in sink.changes] == [ReadingKey("a", 1)]


def test_a_restarted_consumer_resumes_after_its_checkpoint(
    names: tuple[str, str], pool: ThreadPoolExecutor
) -> None:
    client = local_client()
    store = ReadingStore(client, names[0])
    first = consumer_for(names, pool, Collecting())
    first.feed.open()
    store.put(ReadingKey("a", 1), ReadingInfo(str(T0)))
    drain(first, time.time())
    store.put(ReadingKey("a", 2), ReadingInfo(str(T0 + 1)))

    sink = Collecting()
    second = consumer_for(names, pool, sink)
    second.feed.open()
    drain(second, time.time())

    assert [c.key for c in sink.changes] == [ReadingKey("a", 2)]
    assert stored_history(client, names[1]) == expected_history(scan(client, names[0]))


def test_run_derives_until_it_is_stopped(names: tuple[str, str], pool: ThreadPoolExecutor) -> None:
    client = local_client()
    consumer = consumer_for(names, pool)
    consumer.poll_seconds = 0.05
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        ReadingStore(client, names[0]).put(ReadingKey("a", 1), ReadingInfo(str(T0)))
        deadline = time.monotonic() + patient(30)
        while ("#", "r#a") not in stored_history(client, names[1]):
            assert time.monotonic() < deadline, "nothing was derived"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=patient(30))
    assert not thread.is_alive()


class Forgetting(PeriodCache):
    def __init__(self) -> None:
        super().__init__()
        self.forgotten = 0  # times everything was forgotten

    def forget(self, device_id: str | None = None) -> None:
        self.forgotten += device_id is None
        super().forget(device_id)


def test_a_batch_read_again_reads_the_index_again(
    names: tuple[str, str], pool: ThreadPoolExecutor
) -> None:
    """The kept periods are forgotten when the feed rewinds: the batch read again may be cut
    otherwise, and its recomputation reads the index (gql/store/periodcache.py)."""
    client = local_client()
    store = ReadingStore(client, names[0])
    sink, periods = Collecting(), Forgetting()
    consumer = consumer_for(names, pool, sink, periods)
    consumer.poll_seconds = 0.05
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()

    def derived(count: int) -> None:
        deadline = time.monotonic() + patient(30)
        while len(sink.changes) < count:
            assert time.monotonic() < deadline, f"change {count} was not derived"
            time.sleep(0.05)

    try:
        store.put(ReadingKey("a", 1), ReadingInfo(str(T0), temperature1=Decimal(1)))
        derived(1)
        sink.fail_next = True
        store.put(ReadingKey("a", 2), ReadingInfo(str(T0 + 1), temperature1=Decimal(2)))
        derived(2)
    finally:
        stop.set()
        thread.join(timeout=patient(30))

    assert [c.key.datacount for c in sink.changes] == [1, 2]
    assert periods.forgotten == 1
    assert (periods.hits, periods.misses) == (1, 2)  # kept, used, forgotten, read again
    assert stored_history(client, names[1]) == expected_history(scan(client, names[0]))


def test_up_to_moves_while_writes_keep_coming(
    names: tuple[str, str], pool: ThreadPoolExecutor
) -> None:
    """Before every step a new write: no read ever finds the stream empty, and still each
    step's upTo passes the write made before it (a read that took all there was suffices)."""
    client = local_client()
    store = ReadingStore(client, names[0])
    consumer = consumer_for(names, pool)
    consumer.feed.open()
    for n in range(1, 6):
        store.put(ReadingKey("a", n), ReadingInfo(str(T0 + n)))
        written = time.time()
        deadline = time.monotonic() + patient(30)
        while not consumer.step():  # the write may take a moment to reach the stream
            assert time.monotonic() < deadline, f"write {n} never reached the stream"
        up_to = consumer.feed.up_to
        assert up_to is not None, f"step {n}: no upTo although its read took all there was"
        assert up_to > written, (n, up_to, written)
    assert stored_history(client, names[1]) == expected_history(scan(client, names[0]))


def test_a_full_read_leaves_up_to_where_it_was(
    names: tuple[str, str], pool: ThreadPoolExecutor
) -> None:
    """A read that comes back with as many records as it asked for may have left more behind:
    it counts in the backlog, and upTo waits for a read that took everything."""
    client = local_client()
    store = ReadingStore(client, names[0])
    consumer = consumer_for(names, pool)
    feed = consumer.feed
    feed.open()
    store.put(ReadingKey("a", 1), ReadingInfo(str(T0)))
    store.put(ReadingKey("a", 2), ReadingInfo(str(T0 + 1)))
    deadline = time.monotonic() + patient(30)
    while True:
        found = feed.poll(limit=1)
        if found.records:
            break
        assert time.monotonic() < deadline, "the writes never reached the stream"
    feed.commit()
    assert found.unread == 1
    assert feed.up_to is None  # no read has yet taken all the shard held
    rest = feed.poll(limit=1000)
    feed.commit()
    assert [r.change.key for r in rest.records] == [ReadingKey("a", 2)]
    assert rest.unread == 0
    assert feed.up_to is not None
