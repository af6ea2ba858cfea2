"""The load file read as a stream: item boundaries anywhere, NDJSON, errors with index and line,
and memory that does not grow with the file."""

from __future__ import annotations

import io
import json
import tracemalloc
from decimal import Decimal

import pytest

from gql.errors import InputError
from gql.formats.datafile import detect_format, iter_readings, parse_readings
from gql.models import Reading, ReadingInfo

ITEMS = [
    {"device_id": "10001", "datacount": 1, "info": {"info_timestamp": "1612519200",
     "temperature1": 37.2, "temperature2": 21.31}},
    {"device_id": "10001", "datacount": 123456789, "info": {"info_timestamp": "1612521000",
     "temperature5": -0.000125}, "version": 7},
    {"device_id": "dev \u00e9 \"q\"", "datacount": -2, "info": {"info_timestamp": "x",
     "temperature3": "12.50"}},
]  # fmt: skip
EXPECTED = [
    Reading("10001", 1, ReadingInfo("1612519200", Decimal("37.2"), Decimal("21.31")), 1),
    Reading("10001", 123456789, ReadingInfo("1612521000", temperature5=Decimal("-0.000125")), 7),
    Reading('dev \u00e9 "q"', -2, ReadingInfo("x", temperature3=Decimal("12.50")), 1),
]


class Trickle(io.StringIO):
    """A text stream that hands out at most `size` characters a read, like a slow pipe."""

    def __init__(self, text: str, size: int) -> None:
        super().__init__(text)
        self.size = size

    def read(self, n: int | None = -1) -> str:
        return super().read(self.size)


def stream_refusal(text: str, *, size: int = 3, format: str = "json") -> str:
    with pytest.raises(InputError) as caught:
        list(iter_readings(Trickle(text, size), format=format))  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 100_000])
def test_array_split_at_any_point_gives_the_same_readings(size: int) -> None:
    text = json.dumps(ITEMS, indent=1)

    assert list(iter_readings(Trickle(text, size))) == EXPECTED


def test_compact_array_with_no_whitespace_is_read() -> None:
    text = json.dumps(ITEMS, separators=(",", ":"))

    assert list(iter_readings(Trickle(text, 5))) == EXPECTED


@pytest.mark.parametrize("size", [1, 4, 100_000])
def test_ndjson_gives_the_same_readings(size: int) -> None:
    text = "\n".join(json.dumps(item) for item in ITEMS) + "\n"

    assert list(iter_readings(Trickle(text, size), format="ndjson")) == EXPECTED


def test_ndjson_blank_lines_are_skipped_but_counted() -> None:
    lines = ["", json.dumps(ITEMS[0]), "   ", json.dumps(ITEMS[1]), '{"datacount": 1}']

    message = stream_refusal("\n".join(lines), format="ndjson")

    assert message == "load file: line 5 (item 2): missing 'device_id'"


def test_ndjson_line_that_is_not_json_names_line_item_and_column() -> None:
    text = json.dumps(ITEMS[0]) + "\n" + '{"device_id": "a",, }\n'

    assert stream_refusal(text, format="ndjson") == (
        "load file: line 2 (item 1): not valid JSON at column 19: "
        "Expecting property name enclosed in double quotes"
    )


def test_ndjson_two_values_on_one_line_are_refused() -> None:
    text = json.dumps(ITEMS[0]) + " " + json.dumps(ITEMS[1]) + "\n"

    assert "line 1 (item 0): not valid JSON" in stream_refusal(text, format="ndjson")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("format", ["json", "ndjson"])
def test_nan_and_infinity_are_refused_in_both_formats(constant: str, format: str) -> None:
    item = '{"device_id": "a", "datacount": 1, "info": {"info_timestamp": "1", '
    item += f'"temperature1": {constant}}}}}'
    text = f"[{item}]" if format == "json" else item

    assert stream_refusal(text, format=format).endswith(
        f"{constant} is not a number DynamoDB can store"
    )


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("1e400", "outside DynamoDB's range"),
        ("123456789012345678901234567890123456789", "39 significant digits"),
    ],
)
@pytest.mark.parametrize("format", ["json", "ndjson"])
def test_huge_numbers_are_refused_with_item_and_path(
    number: str, problem: str, format: str
) -> None:
    good = json.dumps(ITEMS[0])
    bad = '{"device_id": "a", "datacount": 1, "info": {"info_timestamp": "1", '
    bad += f'"temperature2": {number}}}}}'
    text = f"[{good}, {bad}]" if format == "json" else f"{good}\n{bad}\n"

    message = stream_refusal(text, format=format)

    where = "item 1" if format == "json" else "line 2 (item 1)"
    assert message.startswith(f"load file: {where}: info.temperature2: ")
    assert problem in message


def test_datacount_with_many_digits_split_across_reads_stays_whole() -> None:
    text = '[{"device_id": "a", "datacount": 2147483647, "info": {"info_timestamp": "1"}}]'

    assert [r.datacount for r in iter_readings(Trickle(text, 1))] == [2147483647]


@pytest.mark.parametrize(
    "text",
    [
        '[\n  {"device_id": "10001",\n   "datacount": 1,,\n',
        '[{"device_id": "a", "datacount": 1, "info": {"info_timestamp": "1"}}\n\n  x]',
        '[{"device_id": "a", "datacount": 1, "info": {"info_timestamp": "1"}}] [',
        '[{"device_id": "a", "datacount": 1, "info": {"info_timestamp": "1"}},\n\n]',
        "[\n" + "\n".join(json.dumps(i) + "," for i in ITEMS) + "\n  tru",
        '  [ {"device_id": "unterminated',
    ],
)
@pytest.mark.parametrize("size", [1, 5, 100_000])
def test_syntax_error_has_the_line_and_column_json_would_report(text: str, size: int) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    where = f"line {expected.value.lineno} column {expected.value.colno}"

    assert stream_refusal(text, size=size).startswith(f"load file: not valid JSON at {where}: ")


def test_bad_item_deep_in_a_long_array_is_named_by_index() -> None:
    items = [{**ITEMS[0], "datacount": n} for n in range(500)]
    items[437]["info"] = {"info_timestamp": ""}

    message = stream_refusal(json.dumps(items), size=4096)

    assert message.startswith("load file: item 437: info: info_timestamp must be")


def test_readings_before_the_bad_item_are_yielded_first() -> None:
    # The caller validates the whole file before writing: it must see the error at item 1.
    text = json.dumps([ITEMS[0], {"device_id": ""}])
    stream = iter_readings(io.StringIO(text))

    assert next(stream) == EXPECTED[0]
    with pytest.raises(InputError, match="item 1"):
        next(stream)


@pytest.mark.parametrize(
    ("name", "head", "format"),
    [
        ("data.json", "[\n {", "json"),
        ("data.json", '  {"device_id": "a"}', "ndjson"),
        ("data.ndjson", "[1]", "ndjson"),
        ("DATA.JSONL", "", "ndjson"),
        ("data.txt", "\n\n[", "json"),
        ("data.json", "", "json"),
    ],
)
def test_format_is_told_by_suffix_or_content(name: str, head: str, format: str) -> None:
    assert detect_format(name, head) == format


def test_array_and_ndjson_of_the_same_readings_agree() -> None:
    as_array = parse_readings(json.dumps(ITEMS))
    as_lines = list(iter_readings(io.StringIO("\n".join(map(json.dumps, ITEMS))), format="ndjson"))

    assert as_array == as_lines == EXPECTED


class Generated(io.TextIOBase):
    """A JSON array of `count` readings, generated as it is read: never whole in memory."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.next = 0
        self.buffer = "["

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> str:
        size = n if n is not None and n > 0 else 1 << 16
        while len(self.buffer) < size and self.next <= self.count:
            if self.next == self.count:
                self.buffer += "]"
            else:
                sep = "," if self.next else ""
                self.buffer += sep + json.dumps({**ITEMS[0], "datacount": self.next})
            self.next += 1
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out


def test_memory_stays_flat_while_streaming_a_large_array() -> None:
    count = 20_000  # about 2.5 MB of text
    tracemalloc.start()
    try:
        seen = sum(1 for _ in iter_readings(Generated(count)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seen == count
    assert peak < 1_000_000, f"peak {peak} bytes"
