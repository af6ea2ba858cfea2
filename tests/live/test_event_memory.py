"""A subscription keeps no memory per event it delivers (gql/schema/executor.py).

graphql-core 3.3 shares one memo of collected subfields between a subscription's per-event
executors, keyed by objects made anew for each event: about 3 KB per event stayed for the
subscription's whole life. Measured here with tracemalloc on the schema itself, no socket.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from gql.config import Settings
from gql.live import Hub
from gql.schema import Context, Cursors, Services, build_schema
from tests.live.fakes import change

DOCUMENT = """subscription {
  readingChanges { kind deviceId datacount reading { version info { infoTimestamp temperature1 } } }
}"""
EVENTS = 2000


async def test_memory_kept_by_a_subscription_does_not_grow_with_its_events() -> None:
    hub = Hub(buffer=EVENTS * 2)
    with ThreadPoolExecutor(1) as executor:
        services = Services(
            store=None,  # type: ignore[arg-type]  # readingChanges reads nothing from it
            cursors=Cursors((b"x" * 32,), 60),
            executor=executor,
            request_timeout=2.5,
            read_budget=10,
            hub=hub,
        )
        stream = await build_schema(Settings()).subscribe(
            DOCUMENT, context_value=Context(services, socket=True)
        )
        results = cast(AsyncIterator[Any], stream)

        async def deliver(first: int, count: int) -> None:
            for datacount in range(first, first + count):
                hub.publish(change(datacount=datacount))
            for _ in range(count):
                result = await asyncio.wait_for(anext(results), 10)
                assert result.errors is None, result.errors

        first_event = asyncio.ensure_future(anext(results))  # runs the subscription's start
        for _ in range(500):
            if hub.subscriptions:
                break
            await asyncio.sleep(0.01)
        hub.publish(change(datacount=0))
        assert (await asyncio.wait_for(first_event, 10)).errors is None
        await deliver(1, 200)  # warm up caches that are built once
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            await deliver(1000, EVENTS)
            gc.collect()
            kept = (tracemalloc.get_traced_memory()[0] - before) / EVENTS
        finally:
            tracemalloc.stop()
            await results.aclose()  # type: ignore[attr-defined]
    print(f"figure: {kept:.0f} bytes kept per event after {EVENTS} events")
    assert kept < 300  # 3 KB per event before the fix
