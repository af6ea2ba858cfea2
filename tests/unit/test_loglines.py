"""The `gql` loggers' handler (gql/observe/loglines.py): lines written by a thread of their
own, in order, all of them by the time the handler is flushed or closed."""

from __future__ import annotations

import functools
import io
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from gql.observe.loglines import QueuedLines
from tests.timing import patient


class Recording(io.StringIO):
    """A stream that notes which thread made each write."""

    def __init__(self) -> None:
        super().__init__()
        self.writers: list[str] = []

    def write(self, text: str) -> int:
        self.writers.append(threading.current_thread().name)
        return super().write(text)


def writing_to_a_stream(
    name: str, kind: type[QueuedLines] = QueuedLines, fmt: str = "%(message)s"
) -> tuple[Recording, QueuedLines, logging.Logger]:
    """A logger `name` whose one handler is a `kind` writing to a Recording."""
    stream = Recording()
    handler = kind(stream)
    handler.setFormatter(logging.Formatter(fmt))
    log = logging.getLogger(name)
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return stream, handler, log


def test_lines_are_written_in_order_by_the_writer_thread_never_the_caller() -> None:
    stream, handler, log = writing_to_a_stream("test.loglines.order")
    for n in range(2000):
        log.info("line %d", n)
    handler.flush()
    assert stream.getvalue().splitlines() == [f"line {n}" for n in range(2000)]
    assert set(stream.writers) == {"log-lines"}
    assert len(stream.writers) < 2000  # lines queued together went out together
    handler.close()


def test_what_a_line_says_is_fixed_when_it_is_logged() -> None:
    stream, handler, log = writing_to_a_stream("test.loglines.fixed")
    fields = {"status": 200}
    log.info("status %s", fields)
    fields["status"] = 500  # changed after logging: the line keeps what it said
    handler.flush()
    assert stream.getvalue() == "status {'status': 200}\n"
    handler.close()


def test_close_writes_every_line_still_queued_from_every_thread() -> None:
    stream, handler, log = writing_to_a_stream(
        "test.loglines.close", fmt="%(threadName)s %(message)s"
    )

    def many(name: str) -> None:
        for n in range(500):
            log.info("%s-%d", name, n)

    threads = [threading.Thread(target=many, args=(f"t{i}",), name=f"t{i}") for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handler.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2000
    for i in range(4):  # each thread's lines in its own order
        mine = [line.split(" ")[1] for line in lines if line.startswith(f"t{i} ")]
        assert mine == [f"t{i}-{n}" for n in range(500)]
    log.info("after close")  # dropped, and no error
    assert len(stream.getvalue().splitlines()) == 2000


def test_a_line_that_cannot_be_formatted_is_reported_and_the_next_one_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream, handler, log = writing_to_a_stream("test.loglines.bad")
    log.info("%d", "not a number")
    log.info("fine")
    handler.flush()
    assert stream.getvalue() == "fine\n"
    assert "not a number" in capsys.readouterr().err  # logging's own report of the bad line
    handler.close()


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def holds_lines(stream: io.StringIO, count: int) -> bool:
    return stream.getvalue().count("\n") == count


class Lingering(QueuedLines):
    LINGER = 3600.0  # longer than any test: a line that waits for it is never seen


def test_an_idle_writer_writes_a_lone_line_without_lingering() -> None:
    stream, handler, log = writing_to_a_stream("test.loglines.idle", Lingering)
    for n in range(3):  # each alone, once the one before is out: each wakes the writer
        # (a writer that lingered after a lone line would leave the next unwritten)
        log.info("alone %d", n)
        assert wait_for(functools.partial(holds_lines, stream, n + 1), patient(10))
    assert stream.getvalue().splitlines() == ["alone 0", "alone 1", "alone 2"]
    handler.close()


def test_lines_that_gather_wait_for_the_writer_and_a_flush_ends_the_wait() -> None:
    stream, handler, log = writing_to_a_stream("test.loglines.busy", Lingering)
    for n in range(1000):
        log.info("busy %d", n)
    # The writer found several lines at once, so it lingers; lines logged now wake no one.
    assert wait_for(lambda: bool(stream.getvalue()), patient(10))
    time.sleep(patient(0.2))  # whatever it took at once is out by now
    written = stream.getvalue()
    log.info("while it lingers")
    time.sleep(patient(0.2))
    assert stream.getvalue() == written
    handler.flush()
    assert stream.getvalue().splitlines() == [f"busy {n}" for n in range(1000)] + [
        "while it lingers"
    ]
    assert len(stream.writers) < 1000  # lines queued together went out together
    handler.close()


LEAN = """
import io, json, logging
from gql.observe.requestlog import JsonFormatter
from gql.web.server import lean_log_records
lean_log_records()
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record)
log = logging.getLogger("gql.request")
log.addHandler(Keep())
log.setLevel(logging.INFO)
log.info("request", extra={"request": {"status": 200}})
record = records[0]
line = json.loads(JsonFormatter().format(record))
print(json.dumps([record.funcName, record.threadName, record.processName, sorted(line)]))
"""


def test_gql_serve_makes_log_records_without_what_no_line_prints() -> None:
    """No stack walk for the caller, no thread or process names (logging's own optimization):
    a request line says what it said before."""
    done = subprocess.run([sys.executable, "-c", LEAN], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        "(unknown function)",
        None,
        None,
        ["level", "logger", "message", "status", "time"],
    ]
