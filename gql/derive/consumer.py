"""`gql derive` and `gql serve --derive`: the stream read, batches derived, checkpoints kept.

One step: poll every readable shard (gql/store/feed.py), derive the records (batch.py), hand
the changes to the sink, checkpoint, report. Anything that fails rewinds the feed to the last
checkpoint and the step is tried again after a pause (doubling up to 30 s): the derivation is
idempotent, so reading a batch twice is harmless, and nothing is checkpointed before it is
derived and handed to the sink.

The sink is the seam for relaying changes (issue 17, Redis): a callable that gets, after each
batch is derived and before it is checkpointed, the batch's changes that changed a reading
(a change of recorded_at alone is left out), in DynamoDB's order for each reading, each with
its stream sequence number. After a crash it gets the replayed changes again, so it must
tolerate duplicates (by sequence number). If it raises, the batch is read and derived again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from gql.derive.batch import BatchDeriver
from gql.errors import GqlError, StoreError, StreamDisabledError
from gql.models import Change
from gql.store import HistoryTable, Status, StreamFeed

log = logging.getLogger("gql.derive")

Sink = Callable[[Sequence[Change]], None]
MAX_PAUSE = 30.0
LOG_SECONDS = 60.0


class DerivationFailedError(StoreError):
    """Some devices of a batch could not be recomputed; the batch is read again."""


class Consumer:
    def __init__(
        self,
        feed: StreamFeed,
        deriver: BatchDeriver,
        history: HistoryTable,
        *,
        reporter: str = "derive",
        sink: Sink | None = None,
        poll_seconds: float = 0.5,
        report_seconds: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.feed = feed
        self.deriver = deriver
        self.history = history
        self.reporter = reporter
        self.sink = sink
        self.poll_seconds = poll_seconds
        self.report_seconds = report_seconds
        self._clock = clock
        self._reported_at = 0.0
        self._logged_at = clock()
        self._busy = False
        self._gaps = 0
        self.changes = 0  # changes derived since start
        self.batches = 0

    def run(self, stop: threading.Event) -> None:
        """Derive until `stop` is set; the step under way is finished first."""
        pause = self.poll_seconds
        opened = False
        while not stop.is_set():
            try:
                if not opened:
                    self.feed.open()
                    opened = True
                busy = self.step()
            except StreamDisabledError as exc:
                log.error("derive: %s", exc.message)
                opened = False
            except GqlError as exc:
                log.warning("derive: %s; trying again in %.1f s", exc.message, pause)
            except Exception:
                log.exception("derive: the step failed; trying again in %.1f s", pause)
            else:
                pause = self.poll_seconds
                if not busy:
                    stop.wait(self.poll_seconds)
                continue
            self.feed.rewind()
            self.deriver.forget()
            stop.wait(pause)
            pause = min(pause * 2, MAX_PAUSE)

    def step(self) -> bool:
        """One poll of every shard, derived and checkpointed; True when it read anything."""
        found = self.feed.poll()
        if self.feed.gaps != self._gaps:  # changes were lost: what was kept may miss them
            self._gaps = self.feed.gaps
            self.deriver.forget()
        if found.records:
            outcome = self.deriver.derive(found.records)
            if outcome.failed:
                device, error = next(iter(outcome.failed.items()))
                raise DerivationFailedError(
                    f"{len(outcome.failed)} device(s) could not be derived (device {device!r}: "
                    f"{error})"
                )
            if self.sink is not None:
                changes = [r.change for r in found.records if not r.index_only]
                if changes:
                    self.sink(changes)
        self.feed.commit()
        self.changes += len(found.records)
        self.batches += bool(found.records)
        # The step after a busy one usually finds the stream at its end: that news (upTo past
        # the changes just derived) goes out at once too.
        self.report(backlog=found.unread, force=bool(found.records) or self._busy)
        self._busy = bool(found.records)
        return self._busy

    def report(self, *, backlog: int, force: bool = False) -> None:
        """Tell the history table how far along this consumer is (at most once a second when
        idle: an idle consumer still reports, so `history.consuming` stays true)."""
        now = self._clock()
        if not force and now - self._reported_at < self.report_seconds:
            return
        self.history.report(Status(self.reporter, self.feed.up_to, backlog, now, consuming=True))
        self._reported_at = now
        if now - self._logged_at >= LOG_SECONDS:
            log.info("derive: %d changes in %d batches so far", self.changes, self.batches)
            self._logged_at = now
