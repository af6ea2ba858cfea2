"""The drain: readiness off, and the callbacks awaited within their bound."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from gql.web.shutdown import Drain
from tests.timing import patient


async def test_callbacks_run_concurrently_and_draining_is_set() -> None:
    drain = Drain()
    ended: list[str] = []
    quick_done = asyncio.Event()

    async def slow() -> None:
        # Ends only once the callback registered after it has run: one after the other, this
        # one would wait until the bound cancelled it.
        await quick_done.wait()
        ended.append("slow")

    async def quick() -> None:
        ended.append("quick")
        quick_done.set()

    drain.on_drain(slow)
    drain.on_drain(quick)
    assert not drain.draining
    # Bounded here too: a drain that awaited them in turn without a bound would never end.
    await asyncio.wait_for(drain.run_callbacks(timeout=5), patient(10))
    assert drain.draining
    assert ended == ["quick", "slow"]


async def test_a_callback_past_the_bound_is_cancelled_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    drain = Drain()
    cancelled = asyncio.Event()

    async def stuck() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    drain.on_drain(stuck)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="gql.shutdown"):
        await drain.run_callbacks(timeout=0.2)
        await asyncio.sleep(0)
    assert time.monotonic() - started < patient(1)
    assert cancelled.is_set()
    assert "1 shutdown callback(s) did not finish in 0.2 s" in caplog.text


async def test_a_failing_callback_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    drain = Drain()
    ran: list[str] = []

    async def failing() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")

    drain.on_drain(failing)
    drain.on_drain(fine)
    with caplog.at_level(logging.ERROR, logger="gql.shutdown"):
        await drain.run_callbacks(timeout=1)
    assert ran == ["fine"]
    assert "a shutdown callback failed" in caplog.text
