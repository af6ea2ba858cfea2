"""The coalescer with a hand-written batch function: grouping, no delay when idle, errors, order."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from gql.schema.batching import Batch, BatchTimeoutError, Coalescer
from tests.timing import patient


class FakeBatches:
    """Answers each key with its upper-case text; records every batch; can be held or failed."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()
        self.fail_when: str | None = None
        self.missing: set[str] = set()
        self.deadlines: list[float] = []

    def __call__(self, batch: Batch[str]) -> Mapping[str, str]:
        self.batches.append(list(batch.keys))
        self.deadlines.append(batch.deadline)
        batch.state = f"state of batch {len(self.batches)}"
        self.release.wait(timeout=10)
        if self.fail_when is not None and self.fail_when in batch.keys:
            raise RuntimeError(f"batch with {self.fail_when} failed")
        # Answered in reverse order: callers must get their own key's value, not a position.
        return {key: key.upper() for key in reversed(batch.keys) if key not in self.missing}


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        yield pool


def later(seconds: float = 5.0) -> float:
    return time.monotonic() + seconds


async def wait_until_sent(fake: FakeBatches, count: int) -> None:
    for _ in range(1000):
        if len(fake.batches) >= count:
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"only {len(fake.batches)} batches were sent")


async def test_lone_key_is_sent_at_once_alone(executor: ThreadPoolExecutor) -> None:
    fake = FakeBatches()
    coalescer = Coalescer(fake, executor)

    started = time.monotonic()
    value = await coalescer.load("a", later())

    assert value == "A"
    assert fake.batches == [["a"]]
    assert time.monotonic() - started < patient(0.5)  # no timer: it goes on the loop's next turn


async def test_keys_of_one_caller_share_one_batch(executor: ThreadPoolExecutor) -> None:
    fake = FakeBatches()
    coalescer = Coalescer(fake, executor)

    values = await coalescer.load_many(["a", "b", "c"], later())

    assert values == ["A", "B", "C"]
    assert fake.batches == [["a", "b", "c"]]


async def test_callers_at_once_first_goes_alone_the_rest_together(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    coalescer = Coalescer(fake, executor)

    values = await asyncio.gather(*(coalescer.load(k, later()) for k in ["a", "b", "c"]))

    assert values == ["A", "B", "C"]
    assert fake.batches == [["a"], ["b", "c"]]


async def test_keys_arriving_while_a_batch_is_out_go_together_when_it_returns(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    fake.release.clear()
    coalescer = Coalescer(fake, executor)
    first = asyncio.ensure_future(coalescer.load("a", later()))
    await wait_until_sent(fake, 1)

    waiting = [asyncio.ensure_future(coalescer.load(k, later())) for k in ["b", "c", "d"]]
    await asyncio.sleep(0.05)
    assert fake.batches == [["a"]]  # nothing else is sent while the first batch is out
    fake.release.set()

    assert await first == "A"
    assert [await w for w in waiting] == ["B", "C", "D"]
    assert fake.batches == [["a"], ["b", "c", "d"]]


async def test_same_key_from_two_waiting_callers_is_asked_once_and_answers_both(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    fake.release.clear()
    coalescer = Coalescer(fake, executor)
    first = asyncio.ensure_future(coalescer.load("x", later()))
    await wait_until_sent(fake, 1)

    both = asyncio.gather(coalescer.load("a", later()), coalescer.load("a", later()))
    await asyncio.sleep(0.01)
    fake.release.set()

    assert list(await both) == ["A", "A"]
    assert await first == "X"
    assert fake.batches == [["x"], ["a"]]


async def test_more_keys_than_a_batch_holds_are_split_in_arrival_order(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    coalescer = Coalescer(fake, executor, max_keys=2)
    keys = ["k1", "k2", "k3", "k4", "k5"]

    values = await coalescer.load_many(keys, later())

    assert values == ["K1", "K2", "K3", "K4", "K5"]
    assert fake.batches == [["k1", "k2"], ["k3", "k4"], ["k5"]]


async def test_missing_key_is_none(executor: ThreadPoolExecutor) -> None:
    fake = FakeBatches()
    fake.missing = {"b"}
    coalescer = Coalescer(fake, executor)

    values = await coalescer.load_many(["b", "a"], later())

    assert values == [None, "A"]


async def test_error_of_one_batch_fails_a_caller_whose_keys_span_two_batches(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    fake.fail_when = "k3"
    coalescer = Coalescer(fake, executor, max_keys=2)

    with pytest.raises(RuntimeError, match="batch with k3 failed"):
        await coalescer.load_many(["k1", "k2", "k3"], later())
    assert await coalescer.load("k1", later()) == "K1"


async def test_error_reaches_exactly_the_callers_of_that_batch(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    fake.release.clear()
    fake.fail_when = "b"
    coalescer = Coalescer(fake, executor)
    first = asyncio.ensure_future(coalescer.load("a", later()))
    await wait_until_sent(fake, 1)
    failing = [asyncio.ensure_future(coalescer.load(k, later())) for k in ["b", "c"]]
    fake.release.set()
    assert await first == "A"
    await wait_until_sent(fake, 2)
    fine = await coalescer.load("d", later())

    for future in failing:
        with pytest.raises(RuntimeError, match="batch with b failed"):
            await future
    assert fine == "D"
    assert fake.batches == [["a"], ["b", "c"], ["d"]]


async def test_caller_gives_up_at_its_own_deadline_and_others_still_get_answers(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    fake.release.clear()
    coalescer = Coalescer(fake, executor)
    patient = asyncio.ensure_future(coalescer.load("a", later(5)))
    await wait_until_sent(fake, 1)
    impatient = asyncio.ensure_future(coalescer.load("a", later(0.05)))

    with pytest.raises(BatchTimeoutError) as raised:
        await impatient
    assert raised.value.batch is None  # it was still waiting for the first batch to return
    fake.release.set()

    assert await patient == "A"


async def test_timed_out_caller_sees_the_state_of_its_batch(executor: ThreadPoolExecutor) -> None:
    fake = FakeBatches()
    fake.release.clear()
    coalescer = Coalescer(fake, executor)

    with pytest.raises(BatchTimeoutError) as raised:
        await coalescer.load("a", later(0.05))
    fake.release.set()

    assert raised.value.batch is not None
    assert raised.value.batch.state == "state of batch 1"


async def test_batch_deadline_is_the_latest_of_its_callers(executor: ThreadPoolExecutor) -> None:
    fake = FakeBatches()
    fake.release.clear()
    coalescer = Coalescer(fake, executor)
    first = asyncio.ensure_future(coalescer.load("x", later(1)))
    await wait_until_sent(fake, 1)
    deadlines = [later(1), later(3), later(2)]

    waiting = asyncio.gather(*(coalescer.load(k, d) for k, d in zip("abc", deadlines, strict=True)))
    await asyncio.sleep(0.01)
    fake.release.set()
    await waiting
    await first

    assert fake.batches == [["x"], ["a", "b", "c"]]
    assert fake.deadlines[1] == deadlines[1]


async def test_caller_past_its_deadline_is_refused_without_a_batch(
    executor: ThreadPoolExecutor,
) -> None:
    fake = FakeBatches()
    coalescer = Coalescer(fake, executor)

    with pytest.raises(BatchTimeoutError):
        await coalescer.load("a", time.monotonic() - 1)
    await asyncio.sleep(0.01)

    assert fake.batches == []


async def test_batches_sent_counts_the_calls(executor: ThreadPoolExecutor) -> None:
    fake = FakeBatches()
    coalescer = Coalescer(fake, executor)

    await coalescer.load_many(list("abc"), later())
    await coalescer.load("d", later())

    assert coalescer.batches_sent == len(fake.batches) == 2
