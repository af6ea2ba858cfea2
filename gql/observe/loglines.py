"""The `gql` loggers' handler: lines formatted where they are logged, written by a thread.

logging's StreamHandler writes and flushes every line in the thread that logs it. For the
request log that thread is the event loop, once per request: a write system call, during
which the loop lets go of the GIL, and the store's threads (busy in botocore under load) take
it, so the loop waits to get it back. Measured with `reading` at 50 connections on DynamoDB
Local, the JSON request log cost 60-150 us of server CPU per request, while formatting a line
costs 12 us (README, "Request log").

So the line is formatted where it is logged (what it says is fixed then), put on a queue,
and a writer thread writes what the queue holds with one system call, as soon as it can:
under load many lines at once, when quiet each line at once. The order of lines is kept. On
close (logging's shutdown at exit, or a new logging configuration) the writer writes
everything still queued first. A process killed outright loses the lines still queued, a
few milliseconds' worth.

The standard library's QueueHandler and QueueListener would move the write off the loop
too, but the listener writes and flushes one record at a time: a system call per line again,
only on another thread.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from typing import TextIO

_STOP = None
_MOST_AT_ONCE = 1000  # lines in one write: a bound on the batch's memory
# Lines waiting at most (about 30 MB of request lines): past it, logging waits for the writer,
# as it would wait for a stream nobody reads, instead of growing without end.
_MOST_QUEUED = 100_000


class QueuedLines(logging.Handler):
    """A handler for dictConfig (`"()": "gql.observe.loglines.QueuedLines"`); `stream` is
    where lines go (standard error by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream if stream is not None else sys.stderr
        self._queue: queue.Queue[object] = queue.Queue(_MOST_QUEUED)
        self._closed = False
        self._writer = threading.Thread(target=self._write, name="log-lines", daemon=True)
        self._writer.start()

    def emit(self, record: logging.LogRecord) -> None:
        if self._closed:
            return
        try:
            line = self.format(record) + "\n"
        except Exception:  # logging's own way: report, never raise
            self.handleError(record)
            return
        self._queue.put(line)

    def flush(self) -> None:
        """Wait until every line queued so far is written."""
        if self._closed or not self._writer.is_alive():
            return
        done = threading.Event()
        self._queue.put(_Marker(done))
        done.wait(5)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._writer.join(5)
        super().close()

    def _write(self) -> None:
        while True:
            items = [self._queue.get()]  # waits for the first, then takes what else is there
            while len(items) < _MOST_AT_ONCE:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            lines: list[str] = []
            for item in items:
                if isinstance(item, str):
                    lines.append(item)
                    continue
                self._out(lines)  # what came before a stop or a flush's marker
                lines = []
                if not isinstance(item, _Marker):  # _STOP
                    return
                item.done.set()
            self._out(lines)

    def _out(self, lines: list[str]) -> None:
        if not lines:
            return
        text = "".join(lines)
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # the stream is closed or gone: nothing to do
            pass


class _Marker:
    def __init__(self, done: threading.Event) -> None:
        self.done = done
