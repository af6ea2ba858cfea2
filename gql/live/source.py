"""Where the hub's changes come from: a blocking source on a thread, or an asyncio one.

The table's stream (gql/store/stream.py) is read with boto3, which blocks: `Threaded` runs its
calls on one thread of their own, so open, poll and close never overlap and run in the order
they were asked for, and waits `poll_seconds` after a poll that found nothing. The Redis relay
(gql/relay/reader.py) is asyncio already, and its poll itself waits for new changes.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from gql.models import Change


class ChangeSource(Protocol):
    """Blocking: open, poll (never waits for changes to come) and close."""

    def open(self) -> None: ...
    def poll(self) -> list[Change]: ...
    def close(self) -> None: ...


class AsyncChangeSource(Protocol):
    async def open(self) -> None: ...

    async def poll(self) -> list[Change]:
        """The next changes; may wait a while for them, and returns [] if none came."""
        ...

    def close(self) -> None:
        """Forget where reading was (the next open starts anew); quick, never fails."""

    async def aclose(self) -> None:
        """Release what the source holds, for good (the hub shuts down)."""


class Threaded:
    """A blocking ChangeSource as an AsyncChangeSource."""

    def __init__(self, source: ChangeSource, poll_seconds: float) -> None:
        self.source = source
        self.poll_seconds = poll_seconds
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-reader")

    async def open(self) -> None:
        opening = asyncio.get_running_loop().run_in_executor(self._thread, self.source.open)
        opening.add_done_callback(_retrieve)
        # Shielded: open() carries on in its thread if the subscriber leaves meanwhile, and
        # the hub then queues a close() behind it.
        await asyncio.shield(opening)

    async def poll(self) -> list[Change]:
        loop = asyncio.get_running_loop()
        changes = await loop.run_in_executor(self._thread, self.source.poll)
        if not changes:
            await asyncio.sleep(self.poll_seconds)
        return changes

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # the thread was shut down with the hub
            self._thread.submit(self.source.close)

    async def aclose(self) -> None:
        # Wait for the source's close(), queued behind any poll.
        try:
            await asyncio.wrap_future(self._thread.submit(lambda: None))
        except RuntimeError:
            pass  # shut down already
        finally:
            self._thread.shutdown(wait=False)


def _retrieve(future: asyncio.Future[None]) -> None:
    # The outcome of an open() whose subscriber left is not awaited: read it so asyncio does
    # not report it as never retrieved.
    if not future.cancelled():
        future.exception()
