"""Independent reads of one query, made at once: the first page of each on a pool of threads
that only wait on DynamoDB, the pages after those one at a time in the caller's thread.

A history query (gql/store/assembly.py) reads a few runs of rollups and the cut 5-minute
periods at its edges: a handful of Queries, each a round trip, none depending on another.
Made one after another they cost the sum of their round trips; made at once, about the
longest. The read budget still holds: the first pages share what is left of it between them,
and a read that has more pages goes on with what is left after all the first pages.

Each thread makes its call in the caller's time budget (gql/store/budget.py) and in a copy
of its contextvars, so the request's log line and trace still count every call.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial
from typing import Any, TypeVar

from gql.store.budget import Budget, state, within

_POOLS: dict[str, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()
_END = object()
T = TypeVar("T")


def shared_pool(name: str, threads: int) -> ThreadPoolExecutor:
    """The process's pool `name`, made on first use: its threads only wait on DynamoDB, and
    submit nothing to a pool themselves (so none can wait on its own pool)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(name)
        if pool is None:
            pool = _POOLS[name] = ThreadPoolExecutor(threads, thread_name_prefix=name)
        return pool


def at_once(name: str, calls: Sequence[Callable[[], T]], threads: int = 16) -> list[T]:
    """Make independent calls at once on the pool `name` (one alone in the caller's thread),
    each in the caller's time budget; their results in order. The first error is raised once
    every call is done, so that no call is still under way when the caller goes on."""
    if len(calls) <= 1:
        return [call() for call in calls]
    pool = shared_pool(name, threads)
    budget: Budget | None = getattr(state, "budget", None)  # the caller's, for every call
    futures = [
        pool.submit(contextvars.copy_context().run, _call_within, budget, call) for call in calls
    ]
    wait(futures)
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]


class Job:
    """One read: its pages, and what to do with each (always in the caller's thread)."""

    def __init__(self, later: Callable[[], int]) -> None:
        self._later = later  # the Limit of each page after the first
        self._first: int | None = None
        self.pages: Iterator[Any] = iter(())
        self.apply: Callable[[Any], None] = lambda _: None

    def start(self, pages: Iterator[Any], apply: Callable[[Any], None]) -> None:
        self.pages, self.apply = pages, apply

    def limit(self) -> int:
        """The Limit of the next page: the share given to the first, then `later()`."""
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return self._later()


def run_jobs(jobs: list[Job], share: Callable[[int], int]) -> None:
    """Read every job to its end; `share(n)` is the Limit of each of n first pages at once
    (raising when nothing may be read). The first error of any job is raised, once every
    thread is done with its job."""
    if len(jobs) <= 1:
        for job in jobs:
            for page in job.pages:
                job.apply(page)
        return
    each = share(len(jobs))
    for job in jobs:
        job._first = each
    firsts = at_once("history-read", [partial(next, job.pages, _END) for job in jobs])
    for job, page in zip(jobs, firsts, strict=True):
        if page is _END:
            continue
        job.apply(page)
        for page in job.pages:
            job.apply(page)


def _call_within(budget: Budget | None, call: Callable[[], T]) -> T:
    with within(budget) if budget is not None else contextlib.nullcontext():
        return call()
