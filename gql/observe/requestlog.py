"""The record of one request, and the log line it becomes.

The edge (gql/observe/telemetry.py) makes a `RequestRecord` and sets it as `current`; the schema
fills in the operation, the view the error codes, and the store's observer the DynamoDB
calls (from an executor thread, which sees the record because `Context.run` runs each call
in a copy of the request's context). The line holds names, figures and codes: never a
variable's value, a key, a token or the document.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from gql.observe.tracing import RequestTrace

log = logging.getLogger("gql.request")

# Up to 128 of the characters that request ids of load balancers and tracing systems use
# (UUIDs, AWS's "Root=1-...", base64url); anything else could forge log fields or headers.
_SANE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")


# New ids: 128 random bits from a generator seeded from os.urandom once per process (and
# again in a forked child), not os.urandom per request. A request id must be unique, not
# secret; and os.urandom lets go of the GIL for its system call, which hands it to whichever
# thread waits for it (the log writer, a store thread): in the app it took 22 us a request,
# against 0.5 us alone.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def request_id_from(given: str | None) -> str:
    """The caller's id when it is sane, else a new one."""
    if given and _SANE_ID.fullmatch(given):
        return given
    return f"{_ids.getrandbits(128):032x}"


@dataclass
class RequestRecord:
    request_id: str
    method: str
    path: str
    operation_type: str = "unknown"
    operation_name: str | None = None
    status: int = 0
    codes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dynamodb_calls: int = 0
    dynamodb_seconds: float = 0.0
    consumed: float = 0.0
    # The request's spans, when tracing is on.
    trace: RequestTrace | None = None
    # Store calls of one request may run on several executor threads at once.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def outcome(self) -> str:
        return "error" if self.codes or self.status >= 400 else "ok"

    def add_call(self, seconds: float, consumed: float) -> None:
        with self._lock:
            self.dynamodb_calls += 1
            self.dynamodb_seconds += seconds
            self.consumed += consumed

    def fields(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "operation_type": self.operation_type,
            "operation_name": self.operation_name,
            "outcome": self.outcome,
            "error_codes": sorted(set(self.codes)),
            "duration_ms": round(self.seconds * 1000, 3),
            "dynamodb_calls": self.dynamodb_calls,
            "dynamodb_ms": round(self.dynamodb_seconds * 1000, 3),
            "consumed_capacity": round(self.consumed, 3),
        }


current: ContextVar[RequestRecord | None] = ContextVar("gql_request", default=None)


def operation_name(name: str | None) -> str | None:
    """An operation name as the document spells it (a GraphQL Name), else nothing."""
    return name if name and re.fullmatch(r"[_A-Za-z][_0-9A-Za-z]{0,99}", name) else None


def emit(record: RequestRecord) -> None:
    """One line per request, at INFO on the `gql.request` logger."""
    if log.isEnabledFor(logging.INFO):
        log.info("request", extra={"request": record.fields()})


class TextFormatter(logging.Formatter):
    """The usual text line; a request line carries its fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "request", None)
        if fields is None:
            return line
        pairs = " ".join(f"{k}={_text(v)}" for k, v in fields.items() if v not in (None, []))
        return f"{line} {pairs}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "request", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return time.strftime(datefmt or "%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))


def _text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    text = str(value)
    return json.dumps(text) if " " in text else text
