"""The hub: one reader per process, bounded buffers, coded endings, filters, publishing."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import pytest

from gql.errors import (
    BackendUnavailableError,
    SlowConsumerError,
    StreamDisabledError,
    StreamGapError,
    ThrottledError,
)
from gql.live.hub import Hub, Interest, Subscriber
from gql.models import Change, ChangeKind, Compare
from tests.live.fakes import FakeSource, change


def hub_over(source: FakeSource | None, **options: float) -> Hub:
    defaults: dict[str, float] = {"poll_seconds": 0.01, "max_outage_seconds": 5.0}
    defaults.update(options)
    return Hub(
        source,
        poll_seconds=defaults["poll_seconds"],
        max_outage_seconds=defaults["max_outage_seconds"],
        buffer=int(defaults.get("buffer", 100)),
        backoff_seconds=(0.01, 0.02),
    )


async def take(subscriber: Subscriber, n: int) -> list[Change]:
    return [await asyncio.wait_for(anext(subscriber), 5) for _ in range(n)]


async def eventually(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


@contextlib.asynccontextmanager
async def subscribed(hub: Hub, interest: Interest | None = None) -> AsyncIterator[Subscriber]:
    async with hub.subscribe(interest or Interest()) as subscriber:
        yield subscriber


async def test_one_reader_serves_every_subscriber() -> None:
    source = FakeSource()
    hub = hub_over(source, poll_seconds=0.05)
    async with contextlib.AsyncExitStack() as stack:
        subscribers = [await stack.enter_async_context(subscribed(hub)) for _ in range(10)]
        sent = [change(datacount=i) for i in range(5)]
        source.push(*([c] for c in sent))
        for subscriber in subscribers:
            assert await take(subscriber, 5) == sent
        assert source.count("open") == 1
        # One reader: 5 polls for the 5 batches plus a few empty ones while the test reads
        # (one reader per subscriber would have made at least 50).
        assert 5 <= source.count("poll") < 20
    await hub.shutdown()
    assert source.threads == {"live-reader_0"}


async def test_the_reader_stops_when_the_last_subscriber_leaves_and_starts_again() -> None:
    source = FakeSource()
    hub = hub_over(source)
    async with subscribed(hub), subscribed(hub):
        await eventually(lambda: source.count("poll") > 0)
        assert hub.reading
    await eventually(lambda: source.count("close") == 1)
    assert not hub.reading
    polls = source.count("poll")
    await asyncio.sleep(0.1)
    assert source.count("poll") == polls  # nothing polls while nobody listens

    async with subscribed(hub) as again:
        assert source.calls.count("open") == 2
        source.push([change(datacount=7)])
        assert [c.key.datacount for c in await take(again, 1)] == [7]
    await hub.shutdown()
    assert source.calls[-1] == "close"


async def test_changes_arrive_in_order() -> None:
    source = FakeSource()
    hub = hub_over(source)
    sent = [change(datacount=n % 3, t1=str(n)) for n in range(60)]
    async with subscribed(hub) as subscriber:
        source.push(sent[:25], [], sent[25:26], sent[26:])
        assert await take(subscriber, 60) == sent
    await hub.shutdown()


async def test_a_subscriber_that_falls_behind_is_ended_with_slow_consumer() -> None:
    source = FakeSource()
    hub = hub_over(source, buffer=3)
    async with subscribed(hub) as slow, subscribed(hub) as fast:
        for i in range(10):  # the one that reads keeps up
            source.push([change(datacount=2 * i), change(datacount=2 * i + 1)])
            assert [c.key.datacount for c in await take(fast, 2)] == [2 * i, 2 * i + 1]
        assert slow.ended
        assert slow.pending == 0  # its buffer was dropped, not kept growing
        with pytest.raises(SlowConsumerError, match="more than 3 changes behind") as ended:
            await anext(slow)
        assert ended.value.code == "SLOW_CONSUMER"
        source.push([change(datacount=99)])
        assert [c.key.datacount for c in await take(fast, 1)] == [99]
        assert slow.pending == 0
    await hub.shutdown()


async def test_a_gap_ends_every_subscription_with_stream_gap() -> None:
    source = FakeSource()
    hub = hub_over(source)
    async with subscribed(hub) as one, subscribed(hub) as two:
        source.push([change(datacount=1)], StreamGapError("the stream was trimmed"))
        for subscriber in (one, two):
            # What came before the gap is still delivered, then the error.
            assert [c.key.datacount for c in await take(subscriber, 1)] == [1]
            with pytest.raises(StreamGapError, match="trimmed") as ended:
                await anext(subscriber)
            assert ended.value.code == "STREAM_GAP"
        await eventually(lambda: source.count("close") == 1)
        assert not hub.reading
    await hub.shutdown()


async def test_an_outage_longer_than_allowed_ends_subscriptions_with_stream_gap() -> None:
    source = FakeSource()
    hub = hub_over(source, max_outage_seconds=0.1)
    source.push(*[BackendUnavailableError("the database did not answer in time")] * 1000)
    async with subscribed(hub) as subscriber:
        with pytest.raises(StreamGapError, match=r"could not be read for 0\.1 s"):
            await asyncio.wait_for(anext(subscriber), 5)
    await hub.shutdown()


async def test_transient_failures_are_retried_without_losing_changes() -> None:
    source = FakeSource()
    hub = hub_over(source, max_outage_seconds=5)
    async with subscribed(hub) as subscriber:
        source.push(
            ThrottledError("throttled"),
            BackendUnavailableError("down"),
            [change(datacount=1)],
            BackendUnavailableError("down"),
            [change(datacount=2)],
        )
        assert [c.key.datacount for c in await take(subscriber, 2)] == [1, 2]
    await hub.shutdown()


async def test_a_disabled_stream_fails_the_subscription_at_once() -> None:
    source = FakeSource(open_error=StreamDisabledError("run `gql table stream on`"))
    hub = hub_over(source)
    with pytest.raises(StreamDisabledError, match="gql table stream on"):
        async with subscribed(hub):
            pytest.fail("the subscription should not have started")
    assert not hub.reading
    assert source.count("poll") == 0
    assert hub.subscriptions == 0
    await hub.shutdown()


async def test_shutdown_completes_subscriptions_after_what_they_hold() -> None:
    source = FakeSource()
    hub = hub_over(source)
    async with subscribed(hub) as subscriber:
        source.push([change(datacount=1), change(datacount=2)])
        await eventually(lambda: subscriber.pending == 2)
        ending = asyncio.create_task(hub.shutdown(timeout=5))
        assert [c.key.datacount async for c in subscriber] == [1, 2]  # then ends normally
    await asyncio.wait_for(ending, 5)
    assert source.calls[-1] == "close"
    async with subscribed(hub) as late:  # after shutdown, a subscription completes at once
        assert [c async for c in late] == []


async def test_published_changes_from_other_threads_arrive_in_order() -> None:
    hub = hub_over(None, buffer=200)
    sent = [change(datacount=n) for n in range(200)]
    async with subscribed(hub) as subscriber:

        def publish_all() -> None:
            for c in sent:
                hub.publish(c)

        publisher = threading.Thread(target=publish_all)
        publisher.start()
        assert await take(subscriber, 200) == sent
        publisher.join()
    await hub.shutdown()


async def test_publishing_before_anyone_subscribed_is_a_no_op() -> None:
    hub = hub_over(None)
    hub.publish(change())  # no loop known yet: dropped, no error
    async with subscribed(hub) as subscriber:
        hub.publish(change(datacount=5))
        assert [c.key.datacount for c in await take(subscriber, 1)] == [5]
    await hub.shutdown()


async def test_each_subscriber_gets_only_what_it_asked_for() -> None:
    hub = hub_over(None)
    hot = Compare("temperature1", "gt", Decimal("25"))
    interests = {
        "all": Interest(),
        "device a": Interest(device_id="a"),
        "removals": Interest(kinds=frozenset({ChangeKind.REMOVE})),
        "hot": Interest(condition=hot),
    }
    changes = [
        change("a", 1, ChangeKind.INSERT, t1="30"),  # hot
        change("b", 1, ChangeKind.MODIFY, t1="20"),  # not hot
        change("a", 1, ChangeKind.REMOVE, t1="30"),  # the reading removed had 29: hot
        change("b", 1, ChangeKind.REMOVE, t1="26"),  # the reading removed had 25: not hot
        change("b", 2, ChangeKind.INSERT, t1=None),  # no temperature1: not hot
    ]
    expected = {
        "all": [0, 1, 2, 3, 4],
        "device a": [0, 2],
        "removals": [2, 3],
        "hot": [0, 2],
    }
    async with contextlib.AsyncExitStack() as stack:
        subscribers = {
            name: await stack.enter_async_context(subscribed(hub, interest))
            for name, interest in interests.items()
        }
        for c in changes:
            hub.publish(c)
        for name, subscriber in subscribers.items():
            wanted = [changes[i] for i in expected[name]]
            assert await take(subscriber, len(wanted)) == wanted, name
            assert subscriber.pending == 0, name
    await hub.shutdown()


async def test_subscriptions_that_start_together_open_the_source_once() -> None:
    source = FakeSource()
    source.open_gate = threading.Event()
    hub = hub_over(source)
    async with contextlib.AsyncExitStack() as stack:
        starting = [
            asyncio.create_task(stack.enter_async_context(subscribed(hub))) for _ in range(5)
        ]
        await asyncio.sleep(0.05)  # all five wait for the one open()
        source.open_gate.set()
        subscribers = await asyncio.gather(*starting)
        source.push([change(datacount=3)])
        for subscriber in subscribers:
            assert [c.key.datacount for c in await take(subscriber, 1)] == [3]
        assert source.count("open") == 1
    await hub.shutdown()


async def test_a_subscription_abandoned_while_opening_closes_what_it_opened() -> None:
    source = FakeSource()
    source.open_gate = threading.Event()
    hub = hub_over(source)
    starting = asyncio.create_task(subscribed(hub).__aenter__())
    await asyncio.sleep(0.05)
    starting.cancel()  # the client went away during open()
    with pytest.raises(asyncio.CancelledError):
        await starting
    source.open_gate.set()
    await eventually(lambda: source.calls == ["open", "close"])
    assert not hub.reading
    source.open_gate = None
    async with subscribed(hub) as later:  # the next subscription opens it again
        source.push([change(datacount=4)])
        assert [c.key.datacount for c in await take(later, 1)] == [4]
    await hub.shutdown()
    assert source.calls[:3] == ["open", "close", "open"]


async def test_failing_a_subscriber_drops_what_it_holds_and_ends_it_with_the_error() -> None:
    # What the socket does to each subscription of a client that stopped reading.
    subscriber = Subscriber(Interest(), capacity=10)
    for datacount in range(3):
        subscriber.offer(change(datacount=datacount))
    subscriber.fail(SlowConsumerError("the client stopped reading"))
    subscriber.offer(change(datacount=4))  # nothing more is taken
    assert subscriber.pending == 0
    with pytest.raises(SlowConsumerError):
        await anext(subscriber)


async def test_failing_keeps_the_error_that_ended_the_subscriber_first() -> None:
    subscriber = Subscriber(Interest(), capacity=10)
    subscriber.end(StreamGapError("the stream was re-created"))
    subscriber.fail(SlowConsumerError("the client stopped reading"))
    with pytest.raises(StreamGapError):
        await anext(subscriber)
