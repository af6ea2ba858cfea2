"""The embedded backend's consumer: every write derived in this process, right after it.

In-process moto has no stream. The embedded store already reads each written item before and
after the write to publish live changes (gql/store/embedded.py); it hands the same records
here. A thread of this consumer derives them, all that queued up at once (so a burst of writes
to one device recomputes its periods once), and reports the status. Reads of the history
first wait until the writes made before them are derived (`settle`), so `make serve` shows a
write in devices, stats and series as soon as the write has returned. A derivation that fails
(it should not, in memory) is logged and tried again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from gql.derive.batch import BatchDeriver
from gql.store import DynamoDB, HistoryTable, Status, StreamRecord

log = logging.getLogger("gql.derive")

REPORT_SECONDS = 1.0
SETTLE_SECONDS = 10.0
# How long the first write of a burst waits for the next ones, unless a reader waits: deriving
# a burst at once costs a fraction of deriving each write (one recomputation per period).
GATHER_SECONDS = 0.05


class _Inline(Executor):
    """Runs what is submitted at once, in the caller's thread (moto is serialized anyway)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


class InProcess:
    """Implements the embedded store's `Deriving` (gql/store/embedded.py)."""

    def __init__(
        self, readings: DynamoDB, history: DynamoDB, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.deriver = BatchDeriver(readings, history, _Inline())
        self.history = HistoryTable(history)
        self._clock = clock
        self._queue: list[tuple[Sequence[StreamRecord], object]] = []
        self._writes: dict[object, float] = {}  # writes made and not yet derived: when
        self._up_to: float | None = None
        self._changed = threading.Condition()
        self._readers = 0  # threads waiting in settle()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="derive", daemon=True)

    # -- what the store calls ----------------------------------------------------------------

    def begin(self) -> object:
        """A write was just made (the store still holds its lock): it is not derived yet."""
        token = object()
        with self._changed:
            self._writes[token] = self._clock()
        return token

    def derive(self, records: Sequence[StreamRecord], write: object = None) -> None:
        """Queue one write's records for the deriving thread."""
        with self._changed:
            self._queue.append((records, write))
            self._changed.notify_all()

    # -- what readers call -------------------------------------------------------------------

    def settle(self, timeout: float = SETTLE_SECONDS) -> None:
        """Wait until every write made before now is derived (or `timeout` passes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            waiting = set(self._writes)
            self._readers += 1
            self._changed.notify_all()
            try:
                while waiting & self._writes.keys():
                    left = deadline - time.monotonic()
                    if left <= 0 or self._stop.is_set():
                        return
                    self._changed.wait(left)
            finally:
                self._readers -= 1

    # -- the deriving thread -----------------------------------------------------------------

    def start(self) -> None:
        self._report(0)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        reported = time.monotonic()
        while not self._stop.is_set():
            with self._changed:
                if not self._queue:
                    self._changed.wait(REPORT_SECONDS)
                gathered = time.monotonic() + GATHER_SECONDS
                while self._queue and not self._readers and not self._stop.is_set():
                    left = gathered - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                batch, self._queue = self._queue, []
            failed = self._derive(batch)
            still = {id(write) for _, write in failed}
            done = [write for _, write in batch if id(write) not in still]
            # The status first, then the readers waiting in settle(): what they read next
            # says these writes are reflected.
            if batch or time.monotonic() - reported >= REPORT_SECONDS:
                try:
                    self._report(len(failed), done)
                except Exception:
                    log.exception("derive: reporting failed")
                reported = time.monotonic()
            with self._changed:
                self._queue[:0] = failed  # first, so that each reading's order is kept
                for write in done:
                    self._writes.pop(write, None)
                self._changed.notify_all()
            if failed:
                self._stop.wait(REPORT_SECONDS)

    def _derive(
        self, batch: list[tuple[Sequence[StreamRecord], object]]
    ) -> list[tuple[Sequence[StreamRecord], object]]:
        if not batch:
            return []
        try:
            outcome = self.deriver.derive([r for records, _ in batch for r in records])
        except Exception:
            log.exception("derive: deriving writes failed; they are tried again")
            return batch
        if outcome.failed:
            log.warning("derive: %d device(s) failed; tried again", len(outcome.failed))
        return [
            (records, write)
            for records, write in batch
            if any(r.change.key.device_id in outcome.failed for r in records)
        ]

    def _report(self, failed: int, done: Sequence[object] = ()) -> None:
        with self._changed:
            now = self._clock()
            gone = set(map(id, done))
            pending = [at for write, at in self._writes.items() if id(write) not in gone]
            # Every write made before the oldest one still to derive is reflected.
            if not failed:
                self._up_to = min(pending, default=now)
            backlog = len(pending)
        self.history.report(Status("embedded", self._up_to, backlog, now, consuming=True))
