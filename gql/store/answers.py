"""DynamoDB's answers that carry items, read as the JSON they already are.

botocore turns every JSON answer into Python by walking it through the service model, value
by value. For the answers that carry items (GetItem, Query, Scan, BatchGetItem, the writes'
old or new attributes, ...) that walk changes nothing but two things: it decodes base64 blobs
(the attribute types `B` and `BS`) and leaves out JSON nulls. And it is the largest cost of
reading a page: a Scan page of 100 readings takes 2.5 ms of CPU in botocore's walk against
0.17 ms in orjson (`tests/store/test_answers.py` compares them; the README's benchmark
section has the figure).

So an answer of such an operation is decoded by orjson and taken as it is, unless its body
holds a blob, a null, or anything else botocore's walk would change; then, and for errors,
other operations, and bodies orjson refuses, botocore's own parser runs, unchanged. Which
operations qualify is read from the service model itself: every value their answer can hold
is a string, number, boolean, list, map or structure under its own name, or a blob named
`B`/`BS` (an attribute value), never a timestamp or a renamed member.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from botocore.model import Shape
from botocore.parsers import JSONParser, ResponseParserFactory

# A key "B" or "BS" (a blob attribute value, or an attribute of that name: botocore's walk
# decides), a JSON null anywhere a value may stand, or a number of 19 digits or more (orjson
# reads one past 64 bits as a float; json keeps it whole). Attribute values' numbers are
# strings, and a string holds quotes escaped, so a false match (", null" in a text) only costs
# botocore's walk.
_WALK_NEEDED = re.compile(rb'"BS?"\s*:|[:\[,]\s*(?:null|-?\d{19})')
_PLAIN_TYPES = frozenset({"string", "integer", "long", "double", "float", "boolean"})
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


class ItemAnswerParser(JSONParser):
    """botocore's parser for the `json` protocol, with the shortcut above."""

    def __init__(self, verdicts: dict[str, bool] | None = None, **defaults: Any) -> None:
        super().__init__(**defaults)
        # botocore makes a parser for every answer: the verdicts live in the factory.
        self._verdicts = verdicts if verdicts is not None else {}

    def shortcut(self, raw_body: bytes, shape: Shape) -> bool:
        """Whether `raw_body`, an answer of `shape`, may be taken as orjson reads it."""
        return bool(raw_body) and self.qualifies(shape) and not _WALK_NEEDED.search(raw_body)

    def _handle_json_body(self, raw_body: bytes, shape: Shape) -> Any:
        if self.shortcut(raw_body, shape):
            try:
                parsed = orjson.loads(raw_body)
            except orjson.JSONDecodeError:
                pass  # botocore's parser has its own way with a body that is not JSON
            else:
                if isinstance(parsed, dict):
                    return parsed
        return super()._handle_json_body(raw_body, shape)  # type: ignore[misc]

    def qualifies(self, shape: Shape) -> bool:
        verdict = self._verdicts.get(shape.name)
        if verdict is None:
            # Only outputs: an error's shape is left to botocore (and its answer is rare).
            verdict = shape.name.endswith("Output") and _plain(shape, shape.name, set())
            self._verdicts[shape.name] = verdict
        return verdict


class ItemAnswerParserFactory(ResponseParserFactory):
    """What `botocore.session.Session.register_component("response_parser_factory", ...)`
    takes: the parser above for the `json` protocol, botocore's own for every other."""

    def __init__(self) -> None:
        super().__init__()
        # Which outputs qualify, by shape name: worked out once per client, not per answer
        # (the walk of an output's model takes about 10 us).
        self._verdicts: dict[str, bool] = {}

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            # set_parser_defaults' arguments, as botocore's create_parser passes them
            defaults = getattr(self, "_defaults", {})
            return ItemAnswerParser(self._verdicts, **defaults)
        return super().create_parser(protocol_name)
