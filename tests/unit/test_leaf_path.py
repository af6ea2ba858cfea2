"""The executor's direct path for plain leaf fields (gql/schema/executor.py): taken where it
may be, and indistinguishable from graphql-core's own path, errors included."""

from __future__ import annotations

import asyncio
import enum
import json
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

from gql.schema import build_schema
from gql.schema.direct import leaf_of
from gql.schema.executor import Executor


class Color(enum.Enum):
    RED = "red"


@strawberry.type
class Thing:
    name: str
    count: int | None
    color: Color | None
    ratio: float | None
    sizes: list[int]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def times(self, n: int) -> int:
        return n * 2

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        return len(self.sizes)


def things() -> list[Thing]:
    return [
        Thing(name="a", count=1, color=Color.RED, ratio=0.5, sizes=[1, 2]),
        Thing(name="b", count=None, color=Color.RED, ratio=2, sizes=[]),
        Thing(name="d", count="four", color=Color.RED, ratio=0.0, sizes=[4]),  # type: ignore[arg-type]
        Thing(name="e", count=5, color="mauve", ratio=float("nan"), sizes=[5]),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return things()

    @strawberry.field
    def thing(self) -> Thing:
        return things()[0]

    @strawberry.field
    def nameless(self) -> Thing | None:
        return Thing(name=None, count=3, color=None, ratio=1.0, sizes=[3])  # type: ignore[arg-type]


class Wrapping(SchemaExtension):
    """A field middleware: every field goes through it, so the direct path must stand aside."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result + "!" if isinstance(result, str) else result


QUERY = """{ things { name n: name count color later ratio sizes shout times(n: 4) __typename }
             thing { name } nameless { name count } }"""


def run(executor: type[StrawberryGraphQLCoreExecutionContext], *extensions: Any) -> ExecutionResult:
    schema = strawberry.Schema(Query, execution_context_class=executor, extensions=list(extensions))
    return asyncio.run(schema.execute(QUERY))


def as_plain(result: ExecutionResult) -> tuple[Any, list[tuple[str, Any]]]:
    errors = sorted((e.message, e.path) for e in result.errors or [])
    return result.data, errors


class Counting(StrawberryGraphQLCoreExecutionContext):
    calls = 0

    def execute_field(self, *args: Any) -> Any:
        Counting.calls += 1
        return super().execute_field(*args)


class Probe(Executor, Counting):
    """The direct path, with graphql-core's own path (what it falls back to) counted."""


def test_the_direct_path_answers_as_graphql_core_does_errors_included() -> None:
    mine, theirs = run(Executor), run(StrawberryGraphQLCoreExecutionContext)

    assert as_plain(mine) == as_plain(theirs)
    messages = [message for message, _ in as_plain(mine)[1]]
    # The bad values: an int that is not one, an enum value that is not one, NaN, a null name.
    assert len(messages) == 4, messages
    assert any("Cannot return null for non-nullable field Thing.name" in m for m in messages)


def test_the_answer_keeps_the_order_of_the_selection() -> None:
    """The direct path answers leaves first: the object's keys must still come in the order
    the document asks for them, with fields answered later (awaited) in their places."""
    mine, theirs = run(Executor), run(StrawberryGraphQLCoreExecutionContext)

    assert mine.data is not None
    assert theirs.data is not None
    first = mine.data["things"][0]
    assert list(first) == list(theirs.data["things"][0])
    assert list(first) == [
        "name", "n", "count", "color", "later", "ratio", "sizes", "shout", "times", "__typename"
    ]  # fmt: skip
    assert first["later"] == 2
    assert json.dumps(mine.data) == json.dumps(theirs.data)
    # And where nothing is awaited: a list before a leaf.
    schema = strawberry.Schema(Query, execution_context_class=Executor)
    plain = asyncio.run(schema.execute("{ thing { sizes shout name } }"))
    assert plain.data is not None
    assert list(plain.data["thing"]) == ["sizes", "shout", "name"]


def test_a_field_middleware_sees_every_field() -> None:
    mine = run(Executor, Wrapping)
    theirs = run(StrawberryGraphQLCoreExecutionContext, Wrapping)

    assert as_plain(mine) == as_plain(theirs)
    assert mine.data is not None
    assert mine.data["thing"] == {"name": "a!"}


def test_graphql_cores_path_is_taken_only_by_what_is_no_plain_leaf_or_fails() -> None:
    schema = strawberry.Schema(Query, execution_context_class=Probe)
    Counting.calls = 0

    result = asyncio.run(schema.execute("{ things { name count color ratio } }"))

    # `things`, and the three bad values, which graphql-core reports as it always did.
    assert (Counting.calls, len(result.errors or [])) == (4, 3)


def test_only_plain_leaf_fields_take_the_direct_path() -> None:
    schema = strawberry.Schema(Query, execution_context_class=Executor)
    fields = schema._schema.type_map["Thing"].fields  # type: ignore[attr-defined]

    direct = {name for name, field in fields.items() if leaf_of(field) is not None}

    # Not: a list, a resolver, a resolver with an argument.
    assert direct == {"name", "count", "color", "ratio"}


def test_the_readings_fields_take_the_direct_path() -> None:
    """The fields a long page is made of: if a Strawberry upgrade changes how it resolves a
    plain field, this says the direct path is gone (the answers stay right either way)."""
    types = build_schema()._schema.type_map
    reading = types["Reading"].fields  # type: ignore[attr-defined]
    info = types["ReadingInfo"].fields  # type: ignore[attr-defined]

    assert {n for n, f in reading.items() if leaf_of(f) is not None} == {
        "deviceId",
        "datacount",
        "version",
    }
    assert {n for n, f in info.items() if leaf_of(f) is not None} == {
        "infoTimestamp",
        *(f"temperature{i}" for i in range(1, 6)),
    }
