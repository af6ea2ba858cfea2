"""The `gql` loggers' handler: lines formatted where they are logged, written by a thread.

logging's StreamHandler writes and flushes every line in the thread that logs it. For the
request log that thread is the event loop, once per request: a write system call, during
which the loop lets go of the GIL, and the store's threads (busy in botocore under load) take
it, so the loop waits to get it back. Measured with `reading` at 50 connections on DynamoDB
Local, the JSON request log cost 60-150 us of server CPU per request, while formatting a line
costs 12 us (README, "Request log").

So the line is formatted where it is logged (what it says is fixed then) and appended to a
deque, and a writer thread writes what the deque holds with one system call. When the writer
is idle, a line wakes it and is written at once. When it found several lines waiting (the
server is busy), it lingers (`LINGER`, 10 ms) before it looks again, and meanwhile lines
wake no one: a queue.Queue woke it for every line, and each time it took the GIL from the
event loop (server CPU at 50 connections, JSON log on vs off: 605 and 533 us a request with a
wake-up per line, 578 with the linger; bench variant `no-linger`). A line is written within
about 10 ms; flush and close end the wait. The order of lines is kept. On close (logging's
shutdown at exit, or a new logging configuration) the writer writes everything still queued
first. A process killed outright loses the lines still queued, a few milliseconds' worth.

The standard library's QueueHandler and QueueListener would move the write off the loop
too, but the listener writes and flushes one record at a time: a system call per line again,
only on another thread.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import deque
from typing import TextIO

_STOP = None
_MOST_AT_ONCE = 1000  # lines in one write: a bound on the batch's memory
# Lines waiting at most (about 30 MB of request lines): past it, logging waits for the writer,
# as it would wait for a stream nobody reads, instead of growing without end.
_MOST_QUEUED = 100_000


class QueuedLines(logging.Handler):
    """A handler for dictConfig (`"()": "gql.observe.loglines.QueuedLines"`); `stream` is
    where lines go (standard error by default)."""

    LINGER = 0.01  # seconds the writer waits, after a busy write, before it looks again

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream if stream is not None else sys.stderr
        # Appended to by any thread and taken from by the writer alone: deque's append and
        # popleft are atomic, so neither side takes a lock.
        self._items: deque[object] = deque()
        self._wake = threading.Event()
        self._idle = True  # the writer waits for _wake
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
        while len(self._items) >= _MOST_QUEUED and self._writer.is_alive():
            self._wake.set()  # as a stream nobody reads would: wait, rather than grow
            time.sleep(0.001)
        self._put(line)

    def flush(self) -> None:
        """Wait until every line queued so far is written."""
        if self._closed or not self._writer.is_alive():
            return
        done = threading.Event()
        self._put(_Marker(done), wake=True)
        done.wait(5)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._put(_STOP, wake=True)
            self._writer.join(5)
        super().close()

    def _put(self, item: object, *, wake: bool = False) -> None:
        self._items.append(item)
        if self._idle or wake:
            self._idle = False
            self._wake.set()

    def _write(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while True:
                written = self._take()
                if written is None:  # a stop
                    return
                if written > 1:  # busy: let lines gather, unwoken (a flush or close wakes it)
                    self._wake.clear()
                    self._wake.wait(self.LINGER)
                if not self._items:
                    self._idle = True
                    # A line appended just before _idle was set woke no one: take it now.
                    if not self._items:
                        break
                    self._idle = False

    def _take(self) -> int | None:
        """Write what is queued; how many lines, or None at a stop."""
        lines: list[str] = []
        count = 0
        while self._items and count < _MOST_AT_ONCE:
            item = self._items.popleft()
            count += 1
            if isinstance(item, str):
                lines.append(item)
                continue
            self._out(lines)  # what came before a stop or a flush's marker
            lines = []
            if not isinstance(item, _Marker):  # _STOP
                return None
            item.done.set()
        self._out(lines)
        return count

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
