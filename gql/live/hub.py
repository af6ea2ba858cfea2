"""The fan-out of live changes to subscribers: plain asyncio, knows neither boto3 nor strawberry.

One `Hub` per process. Changes reach it two ways:

- from a source: one reader task polls it while at least one subscription is open, whatever
  their number, and closes it when the last one leaves. Either a blocking `ChangeSource` (the
  table's stream, gql/store/stream.py), whose calls run on one dedicated thread, so open, poll
  and close never overlap and always run in the order they were asked for (source.py); or an
  `AsyncChangeSource` (the Redis relay, gql/relay/reader.py), whose poll waits for changes.
- through `publish`, from any thread (the embedded backend's store publishes its own writes).

Each subscription has a bounded buffer. One that falls `buffer` changes behind is ended with
SLOW_CONSUMER and its buffer dropped: nothing is thinned silently, and memory stays bounded.
A gap the reader cannot bridge, or a source unreachable for longer than `max_outage_seconds`,
ends every subscription with STREAM_GAP; clients then re-read with queries and subscribe again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from gql.errors import LiveError, StoreError, StreamGapError
from gql.live.source import AsyncChangeSource, ChangeSource, Threaded
from gql.live.subscriber import Interest, Subscriber, Tally
from gql.models import Change

__all__ = ["AsyncChangeSource", "ChangeSource", "Hub", "Interest", "Subscriber"]

log = logging.getLogger("gql.live")


class Hub:
    def __init__(
        self,
        source: ChangeSource | None = None,
        *,
        poll_seconds: float = 0.5,
        max_outage_seconds: float = 30.0,
        buffer: int = 1000,
        backoff_seconds: tuple[float, float] = (0.2, 5.0),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.poll_seconds = poll_seconds
        self.max_outage_seconds = max_outage_seconds
        self.buffer = buffer
        self._backoff = backoff_seconds
        self._clock = clock
        self._source: AsyncChangeSource | None = None
        # Changes handed to subscriptions and dropped (SLOW_CONSUMER), for the metrics.
        self.tally = Tally()
        self._subscribers: set[Subscriber] = set()  # those changes are dispatched to
        self._open: set[Subscriber] = set()  # those whose subscription is still running
        self._reader: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        if source is not None:
            self.attach(source)

    def attach(self, source: ChangeSource) -> None:
        """Read changes from a blocking `source` (set before the first subscription)."""
        self._source = Threaded(source, self.poll_seconds)

    def attach_async(self, source: AsyncChangeSource) -> None:
        """Read changes from `source`, whose poll waits for them (the Redis relay)."""
        self._source = source

    @property
    def subscriptions(self) -> int:
        return len(self._open)

    @property
    def reading(self) -> bool:
        """Whether the reader task runs."""
        return self._reader is not None and not self._reader.done()

    @contextlib.asynccontextmanager
    async def subscribe(self, interest: Interest) -> AsyncIterator[Subscriber]:
        """A subscription for the block: changes made from now on that match `interest`.

        With a source, the first subscription opens it (StreamDisabledError and StoreErrors
        are raised here, at once) and starts the reader.
        """
        subscriber = Subscriber(interest, self.buffer, self.tally)
        await self._join(subscriber)
        try:
            yield subscriber
        finally:
            self._leave(subscriber)

    def publish(self, change: Change) -> None:
        """Deliver a change to the subscribers; safe from any thread, order kept."""
        loop = self._loop
        if loop is None:  # nobody has subscribed yet
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to tell
            loop.call_soon_threadsafe(self._dispatch, [change])

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Complete every subscription normally, stop the reader, and close the source."""
        if self._closed:
            return
        self._closed = True
        self._end_all(None)
        reader = self._reader
        self._stop_reader()
        if reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        deadline = time.monotonic() + timeout
        while self._open and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self._source is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._source.aclose(), max(deadline - time.monotonic(), 0.1))

    # -- subscribers ------------------------------------------------------------------------

    async def _join(self, subscriber: Subscriber) -> None:
        self._loop = asyncio.get_running_loop()
        if self._closed:
            subscriber.end()
            return
        if self._source is None:
            self._add(subscriber)
            return
        async with self._starting:
            if self._reader is None:
                await self._open_source()
                self._add(subscriber)
                self._reader = asyncio.create_task(self._read(), name="live-reader")
            else:
                self._add(subscriber)

    def _add(self, subscriber: Subscriber) -> None:
        self._subscribers.add(subscriber)
        self._open.add(subscriber)

    def _leave(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        self._open.discard(subscriber)
        if not self._subscribers:
            self._stop_reader()

    def _stop_reader(self) -> None:
        if self._reader is None:
            return
        self._reader.cancel()
        self._reader = None
        # Queued now, not when the cancelled task next runs: an open() for the next
        # subscriber must come after this close() on the source's thread.
        self._close_source()

    def _close_source(self) -> None:
        assert self._source is not None
        self._source.close()

    def _dispatch(self, changes: list[Change]) -> None:
        for change in changes:
            for subscriber in self._subscribers:
                subscriber.offer(change)
        for subscriber in [s for s in self._subscribers if s.ended]:
            self._subscribers.discard(subscriber)

    def _end_all(self, error: LiveError | None) -> None:
        for subscriber in self._subscribers:
            subscriber.end(error)
        self._subscribers.clear()

    # -- the reader -------------------------------------------------------------------------

    async def _open_source(self) -> None:
        assert self._source is not None
        try:
            await self._source.open()
        except asyncio.CancelledError:
            self._source.close()  # nobody will read what it opened
            raise

    async def _read(self) -> None:
        assert self._source is not None
        failing_since: float | None = None
        delay = self._backoff[0]
        try:
            while self._subscribers:
                try:
                    changes = await self._source.poll()
                except LiveError as exc:
                    log.warning("live: the stream ended subscriptions: %s", exc.message)
                    self._end_all(exc)
                    return
                except StoreError as exc:
                    now = self._clock()
                    failing_since = now if failing_since is None else failing_since
                    if now - failing_since >= self.max_outage_seconds:
                        self._end_all(_outage(self.max_outage_seconds, exc))
                        return
                    log.warning("live: reading the stream failed (%s); retrying", exc.message)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._backoff[1])
                    continue
                except Exception:
                    log.exception("live: the stream reader failed")
                    self._end_all(StreamGapError("the stream reader failed; changes may be lost"))
                    return
                failing_since, delay = None, self._backoff[0]
                self._dispatch(changes)
        finally:
            if self._reader is asyncio.current_task():  # ended on its own, not stopped
                self._reader = None
                self._close_source()


def _outage(seconds: float, exc: StoreError) -> StreamGapError:
    return StreamGapError(
        f"live changes could not be read for {seconds:g} s ({exc.message}); changes "
        "may have been missed: re-read with queries and subscribe again"
    )
