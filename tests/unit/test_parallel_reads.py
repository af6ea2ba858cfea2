"""gql/store/parallel.py: the first pages of independent reads at once, the rest in turn,
within the read budget, the caller's time budget and its contextvars."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator

import pytest

from gql.store.budget import Budget, state, within
from gql.store.parallel import Job, run_jobs

REQUEST = contextvars.ContextVar("request", default="none")


def job_of(pages: int, limits: list[int], seen: list[str], barrier: threading.Barrier) -> Job:
    """A read of `pages` pages; it notes each Limit asked for and waits at `barrier` before
    its first page (so the test deadlocks, and the barrier breaks, unless all start at once)."""
    job = Job(lambda: 100)

    def read() -> Iterator[int]:
        for number in range(pages):
            limits.append(job.limit())
            if number == 0:
                barrier.wait(timeout=30)
                budget = getattr(state, "budget", None)
                seen.append(f"{REQUEST.get()}/{budget.deadline if budget else None}")
            yield number

    got: list[int] = []
    job.start(read(), got.append)
    job.got = got  # type: ignore[attr-defined]
    return job


def test_first_pages_are_read_at_once_and_the_rest_in_turn_with_the_callers_budget() -> None:
    limits: list[int] = []
    seen: list[str] = []
    barrier = threading.Barrier(3)
    jobs = [job_of(n, limits, seen, barrier) for n in (1, 3, 2)]
    token = REQUEST.set("req-1")
    try:
        with within(Budget(deadline=1234.0)):
            run_jobs(jobs, lambda n: 7)
    finally:
        REQUEST.reset(token)

    assert [j.got for j in jobs] == [[0], [0, 1, 2], [0, 1]]  # type: ignore[attr-defined]
    assert sorted(limits) == [7, 7, 7, 100, 100, 100]  # the share, then `later` for the rest
    assert seen == ["req-1/1234.0"] * 3


def test_an_error_is_raised_once_every_job_is_done() -> None:
    finished = threading.Event()

    def failing() -> Iterator[int]:
        raise RuntimeError("DynamoDB said no")
        yield 0

    def slow() -> Iterator[int]:
        finished.wait(0.2)
        finished.set()
        yield 1

    bad, good = Job(lambda: 1), Job(lambda: 1)
    bad.start(failing(), lambda _: None)
    got: list[int] = []
    good.start(slow(), got.append)
    with pytest.raises(RuntimeError, match="DynamoDB said no"):
        run_jobs([bad, good], lambda n: 1)
    assert finished.is_set()  # the other job was not left running
    assert got == []  # nothing is applied when a job failed


def test_no_read_is_made_when_the_share_says_nothing_is_left() -> None:
    class Spent(Exception):
        pass

    def share(n: int) -> int:
        raise Spent

    made: list[int] = []

    def read() -> Iterator[int]:
        made.append(1)  # a request was made
        yield 1

    jobs = [Job(lambda: 1) for _ in range(2)]
    for job in jobs:
        job.start(read(), lambda _: None)
    with pytest.raises(Spent):
        run_jobs(jobs, share)
    assert made == []
