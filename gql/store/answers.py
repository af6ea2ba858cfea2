"""DynamoDB's answers that carry items, read as the JSON they already are.

botocore turns every JSON answer into Python by walking it through the service model, value
by value. For the answers that carry items (GetItem, Query, Scan, BatchGetItem, the writes'
old or new attributes, ...) that walk changes nothing but two things: it decodes base64 blobs
(the attribute types `B` and `BS`) and leaves out JSON nulls. And it is the largest cost of
reading a page: a Scan page of 100 readings takes 2.5 ms of CPU in botocore's walk against
0.17 ms in orjson (`tests/store/test_answers.py` compares them; the README's benchmark
section has the figure).

So an answer of such an operation is decoded by orjson and taken as it is, unless its body
holds a blob, a null, or a count orjson cannot hold as an integer (past 64 bits); then, and for
errors, other operations, and bodies orjson refuses, botocore's own parser runs, unchanged. Which
operations qualify is read from the service model itself: every value their answer can hold
is a string, number, boolean, list, map or structure under its own name, or a blob named
`B`/`BS` (an attribute value), never a timestamp or a renamed member.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from botocore.model import Shape
from botocore.parsers import JSONParser, ResponseParserFactory

# What only botocore's walk reads right: a blob (an attribute value of type "B" or "BS"; an
# attribute of that name also matches, and costs only the walk) and a JSON null, which the
# walk leaves out. Attribute values' numbers are strings, and a string holds its quotes
# escaped, so a text cannot hold '"B"'. Plain `in` tests: a regular expression over a page of
# 100 readings took 400 us, as long as orjson takes to read it.
_WALK_MARKS = (b'"B"', b'"BS"', b"null")
_PLAIN_TYPES = frozenset({"string", "integer", "long", "double", "float", "boolean"})
_WHOLE_NUMBERS = frozenset({"integer", "long"})
_BLOB_NAMES = frozenset({"B", "BS"})


def _plain(shape: Shape, name: str, seen: set[str]) -> bool:
    """Whether botocore's walk of `shape` (a member called `name`) returns JSON unchanged."""
    if shape.serialization.get("name", name) != name:
        return False
    kind = shape.type_name
    if kind in _PLAIN_TYPES:
        return True
    if kind == "blob":
        return name in _BLOB_NAMES
    if shape.name in seen:  # AttributeValue holds maps and lists of itself
        return True
    seen.add(shape.name)
    if kind == "structure":
        if getattr(shape, "is_document_type", False) or shape.serialization.get("eventstream"):
            return False
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        return all(_plain(member, key, seen) for key, member in members.items())
    if kind == "list":
        member: Shape = shape.member  # type: ignore[attr-defined]
        if member.type_name == "blob":  # a binary set: its key is "BS"
            return name in _BLOB_NAMES
        return _plain(member, "member", seen)
    if kind == "map":
        value: Shape = shape.value  # type: ignore[attr-defined]
        return _plain(value, "value", seen)
    return False  # timestamps, and anything botocore may add


def _nested_whole_numbers(shape: Shape, seen: set[str]) -> bool:
    """Whether `shape` holds an integer or long anywhere below it."""
    kind = shape.type_name
    if kind in _WHOLE_NUMBERS:
        return True
    if shape.name in seen:
        return False
    seen.add(shape.name)
    if kind == "structure":
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        return any(_nested_whole_numbers(member, seen) for member in members.values())
    if kind == "list":
        return _nested_whole_numbers(shape.member, seen)  # type: ignore[attr-defined]
    if kind == "map":
        return _nested_whole_numbers(shape.value, seen)  # type: ignore[attr-defined]
    return False


def verdict_of(shape: Shape) -> tuple[str, ...] | None:
    """None when an answer of `shape` must go through botocore's walk; else the members that
    hold whole numbers (Count, ScannedCount), which must not come back as floats.

    orjson reads an integer past 64 bits as a float where json keeps it whole: only members at
    the top level are looked at after reading, so an output with a whole number deeper down
    does not qualify. Only outputs: an error's shape is left to botocore (its answer is rare).
    """
    if not shape.name.endswith("Output") or not _plain(shape, shape.name, set()):
        return None
    members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
    whole = tuple(name for name, member in members.items() if member.type_name in _WHOLE_NUMBERS)
    nested = [m for m in members.values() if m.type_name not in _WHOLE_NUMBERS]
    if any(_nested_whole_numbers(member, set()) for member in nested):
        return None
    return whole


class ItemAnswerParser(JSONParser):
    """botocore's parser for the `json` protocol, with the shortcut above."""

    def __init__(
        self, verdicts: dict[str, tuple[str, ...] | None] | None = None, **defaults: Any
    ) -> None:
        super().__init__(**defaults)
        # botocore makes a parser for every answer: the verdicts live in the factory.
        self._verdicts = verdicts if verdicts is not None else {}

    def shortcut(self, raw_body: bytes, shape: Shape) -> dict[str, Any] | None:
        """`raw_body`, an answer of `shape`, as orjson reads it; None where botocore must."""
        if not raw_body or any(mark in raw_body for mark in _WALK_MARKS):
            return None
        whole = self.verdict(shape)
        if whole is None:
            return None
        try:
            parsed = orjson.loads(raw_body)
        except orjson.JSONDecodeError:
            return None  # botocore's parser has its own way with a body that is not JSON
        if not isinstance(parsed, dict) or any(type(parsed.get(n)) is float for n in whole):
            return None
        return parsed

    def _handle_json_body(self, raw_body: bytes, shape: Shape) -> Any:
        parsed = self.shortcut(raw_body, shape)
        if parsed is not None:
            return parsed
        return super()._handle_json_body(raw_body, shape)  # type: ignore[misc]

    def verdict(self, shape: Shape) -> tuple[str, ...] | None:
        if shape.name not in self._verdicts:
            self._verdicts[shape.name] = verdict_of(shape)
        return self._verdicts[shape.name]

    def qualifies(self, shape: Shape) -> bool:
        return self.verdict(shape) is not None


class ItemAnswerParserFactory(ResponseParserFactory):
    """What `botocore.session.Session.register_component("response_parser_factory", ...)`
    takes: the parser above for the `json` protocol, botocore's own for every other."""

    def __init__(self) -> None:
        super().__init__()
        # Which outputs qualify, by shape name: worked out once per client, not per answer
        # (the walk of an output's model takes about 10 us).
        self._verdicts: dict[str, tuple[str, ...] | None] = {}

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            # set_parser_defaults' arguments, as botocore's create_parser passes them
            defaults = getattr(self, "_defaults", {})
            # botocore's default blob parser is a bound method kept on the parser: a reference
            # cycle, so every answer's parser waited for the garbage collector. The same
            # decoding, as a plain function.
            defaults = {"blob_parser": base64.b64decode, **defaults}
            return ItemAnswerParser(self._verdicts, **defaults)
        return super().create_parser(protocol_name)
