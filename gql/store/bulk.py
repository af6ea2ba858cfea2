"""Bulk writes on several threads, for `gql load`: a stream of readings in, BatchWriteItems out.

Each reading goes to the writer thread its key hashes to, and each writer sends its readings in
the order they came. So the later of two readings with the same key is always written after
the earlier one (in a later request, or the same request, where batch_put keeps the later):
the file's last word wins, as with one thread. Queues are bounded, so memory stays the same
however long the stream is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from gql.models import Reading
from gql.store.readings import BATCH_WRITE_SIZE, ReadingStore

_QUEUED_BATCHES = 4  # per writer: enough to keep it busy while the reader parses
_DONE = None


@dataclass
class _Writer:
    store: ReadingStore
    on_written: Callable[[int], None]
    stop: threading.Event
    batches: queue.Queue[list[Reading] | None] = field(
        default_factory=lambda: queue.Queue(_QUEUED_BATCHES)
    )
    pending: list[Reading] = field(default_factory=list)
    written: int = 0
    error: BaseException | None = None

    def run(self) -> None:
        while (batch := self.batches.get()) is not _DONE:
            if self.stop.is_set():
                continue  # drain, so that the reader never blocks on a full queue
            try:
                count = self.store.batch_put(batch)
            except BaseException as exc:
                self.error = exc
                self.stop.set()
                continue
            self.written += count
            self.on_written(len(batch))


class BulkWriter:
    """`write(readings)` on `threads` threads; raises the first error any writer met."""

    def __init__(
        self,
        store: ReadingStore,
        threads: int = 4,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.threads = max(1, threads)
        self._progress_lock = threading.Lock()
        self.progress = progress

    def write(self, readings: Iterable[Reading]) -> int:
        """Readings written (a key repeated within one request counts once)."""
        stop = threading.Event()
        writers = [_Writer(self.store, self._advance, stop) for _ in range(self.threads)]
        threads = [
            threading.Thread(target=w.run, name=f"gql-load-{n}", daemon=True)
            for n, w in enumerate(writers)
        ]
        for thread in threads:
            thread.start()
        try:
            for reading in readings:
                if stop.is_set():
                    break
                writer = writers[hash(reading.key) % self.threads]
                writer.pending.append(reading)
                if len(writer.pending) == BATCH_WRITE_SIZE:
                    writer.batches.put(writer.pending)
                    writer.pending = []
        except BaseException:
            stop.set()
            raise
        finally:
            for writer in writers:
                if writer.pending and not stop.is_set():
                    writer.batches.put(writer.pending)
                writer.batches.put(_DONE)
            for thread in threads:
                thread.join()
        for writer in writers:
            if writer.error is not None:
                raise writer.error
        return sum(w.written for w in writers)

    def _advance(self, count: int) -> None:
        if self.progress is not None:
            with self._progress_lock:
                self.progress(count)
