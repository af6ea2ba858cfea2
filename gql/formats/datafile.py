"""The load file, read as a stream: the tutorial's JSON array, or NDJSON (one reading a line).

An item is `{device_id, datacount, info: {info_timestamp, temperature1..5}, version?}`.
Numbers are parsed as Decimal so that 37.2 stays 37.2. Temperatures written as strings, as
the tutorial's create_item.py does, are accepted and stored as numbers. Readings come one at
a time, so memory does not grow with the file; a caller that must validate the whole file
before writing reads it twice. Every error names the item index (and, for NDJSON, the line).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal, Protocol

from gql.errors import InputError
from gql.models import TEMPERATURES, Reading, ReadingInfo
from gql.store import to_number

Format = Literal["json", "ndjson"]


class TextSource(Protocol):
    """An open text file, or anything that reads and iterates lines like one."""

    def read(self, size: int, /) -> str: ...

    def __iter__(self) -> Iterator[str]: ...


_TOP_FIELDS = {"device_id", "datacount", "info", "version"}
_INFO_FIELDS = {"info_timestamp", *TEMPERATURES}
_NDJSON_SUFFIXES = (".ndjson", ".jsonl")
_CHUNK = 1 << 16
_WHITESPACE = " \t\n\r"
# An item cut off by the end of the window fails within this many characters of the end
# (a literal like `tru`, or an object missing its next member); errors earlier are real.
_TOKEN_MAX = 64
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=lambda name: _refuse(name))


def detect_format(name: str, head: str) -> Format:
    """NDJSON by suffix (.ndjson, .jsonl) or when the text starts with an object, else JSON."""
    if name.lower().endswith(_NDJSON_SUFFIXES):
        return "ndjson"
    return "ndjson" if head.lstrip(_WHITESPACE).startswith("{") else "json"


def parse_readings(text: str, *, source: str = "load file") -> list[Reading]:
    """Every reading of a JSON array, or InputError naming the item index and the problem."""
    return list(iter_readings(io.StringIO(text), source=source))


def iter_readings(
    stream: TextSource, *, source: str = "load file", format: Format = "json"
) -> Iterator[Reading]:
    """The readings of `stream`, one at a time, validated; InputError at the first bad one."""
    try:
        if format == "ndjson":
            yield from _ndjson(stream, source)
        else:
            yield from _ArraySplitter(stream, source).readings()
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None


def _ndjson(stream: TextSource, source: str) -> Iterator[Reading]:
    index = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{source}: line {number} (item {index})"
        try:
            item = _DECODER.decode(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON at column {exc.colno}: {exc.msg}") from None
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
        yield _reading(item, where)
        index += 1


class _ArraySplitter:
    """The items of a top-level JSON array, decoded one by one from a window of the text.

    json.JSONDecoder.raw_decode decodes one value at an offset; an item cut off by the end of
    the window is decoded again once more text is read. Line and column of an error are
    counted over the whole file, as json.loads would report them.
    """

    def __init__(self, stream: TextSource, source: str) -> None:
        self.stream = stream
        self.source = source
        self.text = ""
        self.pos = 0
        self.eof = False
        self.line_base = 1  # line and column of self.text[0] in the file
        self.column_base = 1

    def readings(self) -> Iterator[Reading]:
        if self._next_char() != "[":
            self._not_an_array()
        self.pos += 1
        index = 0
        if self._next_char() == "]":
            self.pos += 1
        else:
            while True:
                item = self._value()
                yield _reading(item, f"{self.source}: item {index}")
                index += 1
                separator = self._next_char()
                self.pos += 1
                if separator == "]":
                    break
                if separator != ",":
                    self._syntax_error("Expecting ',' delimiter", self.pos - 1)
        if self._next_char() != "":
            self._syntax_error("Extra data", self.pos)

    def _value(self) -> Any:
        self._next_char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self._cut_off(exc) and self._read():
                    continue
                self._syntax_error(exc.msg, exc.pos)
            except ValueError as exc:
                raise InputError(f"{self.source}: {exc}") from None
            # A number at the end of the window may go on in the next one.
            if end == len(self.text) and not self.eof and self._read():
                continue
            self.pos = end
            return value

    def _cut_off(self, exc: json.JSONDecodeError) -> bool:
        """Whether the error may only mean that the window ends inside the item."""
        near_end = len(self.text) - exc.pos < _TOKEN_MAX
        return near_end or exc.msg.startswith("Unterminated string")

    def _next_char(self) -> str:
        """The next character that is not whitespace ("" at the end), reading as needed."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._read():
                return ""

    def _read(self) -> bool:
        """Append the next chunk, first dropping what has been decoded; False at the end."""
        if self.eof:
            return False
        # An item longer than a chunk asks for more each time, so it is not re-read too often.
        chunk = self.stream.read(_CHUNK * (1 + (len(self.text) - self.pos) // _CHUNK))
        if not chunk:
            self.eof = True
            return False
        done = self.text[: self.pos]
        newlines = done.count("\n")
        if newlines:
            self.line_base += newlines
            self.column_base = len(done) - done.rfind("\n")
        else:
            self.column_base += len(done)
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return True

    def _syntax_error(self, message: str, pos: int) -> None:
        line = self.line_base + self.text.count("\n", 0, pos)
        start = self.text.rfind("\n", 0, pos) + 1
        column = pos - start + (self.column_base if start == 0 else 1)
        raise InputError(f"{self.source}: not valid JSON at line {line} column {column}: {message}")

    def _not_an_array(self) -> None:
        first = self._next_char()
        if first == "":
            self._syntax_error("Expecting value", self.pos)
        kinds = {"{": "an object", '"': "a string"}
        kind = kinds.get(first) or _kind(self._value())
        raise InputError(f"{self.source}: expected a JSON array of readings, got {kind}")


def _reading(item: Any, where: str) -> Reading:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected an object, got {_kind(item)}")
    unknown = set(item) - _TOP_FIELDS
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for name in ("device_id", "datacount", "info"):
        if name not in item:
            raise InputError(f"{where}: missing {name!r}")
    device_id = item["device_id"]
    if not isinstance(device_id, str) or not device_id:
        raise InputError(f"{where}: device_id must be a non-empty string, got {device_id!r}")
    datacount = _whole(item["datacount"], f"{where}: datacount")
    version = _whole(item["version"], f"{where}: version") if "version" in item else 1
    return Reading(device_id, datacount, _info(item["info"], f"{where}: info"), version)


def _info(info: Any, where: str) -> ReadingInfo:
    if not isinstance(info, dict):
        raise InputError(f"{where}: expected an object, got {_kind(info)}")
    unknown = set(info) - _INFO_FIELDS
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    timestamp = info.get("info_timestamp")
    if not isinstance(timestamp, str) or not timestamp:
        raise InputError(f"{where}: info_timestamp must be a non-empty string, got {timestamp!r}")
    temperatures = {
        name: to_number(info[name], f"{where}.{name}")
        for name in TEMPERATURES
        if info.get(name) is not None
    }
    return ReadingInfo(info_timestamp=timestamp, **temperatures)


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InputError(f"{where}: expected a whole number, got {value!r}")
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise InputError(f"{where}: expected a whole number, got {value}")
    number = int(value)
    if not -(2**31) <= number < 2**31:
        raise InputError(f"{where}: {number} does not fit in a 32-bit integer")
    return number


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not a number DynamoDB can store")


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
    return kinds.get(type(value), repr(value))
