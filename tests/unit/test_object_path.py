"""The executor's direct paths for plain object fields (gql/schema/executor.py): `node`,
`info`, `pageInfo`, and lists of them (`edges`). Taken where they may be, and
indistinguishable from graphql-core's own path: the same data in the same order, the same
errors at the same paths, nulls propagated alike."""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

from gql.schema import build_schema
from gql.schema.direct import items_of, object_of
from gql.schema.executor import Executor


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Part(Named):  # an interface: Strawberry gives it an is_type_of
    size: int | None

    @strawberry.field
    async def later(self) -> int:
        await asyncio.sleep(0)
        if self.name == "broken":
            raise ValueError("later failed")
        return 7


@strawberry.type
class Box:
    label: str | None
    part: Part
    spare: Part | None
    other: Part | None


@strawberry.type
class Shelf:
    boxes: list[Box]
    maybe: list[Part | None] | None


@strawberry.type
class Query:
    @strawberry.field
    def shelves(self) -> list[Shelf | None]:
        good = Part(name="a", size=1)
        return [
            Shelf(boxes=[Box(label="x", part=good, spare=None, other=None)], maybe=[good, None]),
            # A non-null item whose non-null subfield fails: the list fails, up to the shelf.
            Shelf(
                boxes=[Box(label="y", part=Part(name=None, size=1), spare=None, other=None)],  # type: ignore[arg-type]
                maybe=None,
            ),
            # An awaited failure in a nullable item: that item is null, the list stays.
            Shelf(boxes=[], maybe=[Part(name="broken", size=2), good]),
            # An item of the wrong type: graphql-core's path for the whole list.
            Shelf(boxes=[], maybe=[good, "not a part"]),  # type: ignore[list-item]
            # A null where items are non-null.
            Shelf(boxes=[None], maybe=[]),  # type: ignore[list-item]
        ]

    @strawberry.field
    def boxes(self) -> list[Box | None]:
        good = Part(name="a", size=1)
        return [
            Box(label="fine", part=good, spare=Part(name="s", size=None), other=None),
            # A non-null subfield that is null: `spare` becomes null, the box stays.
            Box(label="null name", part=good, spare=Part(name=None, size=2), other=None),  # type: ignore[arg-type]
            # A null where the object is non-null: the error goes up to the box.
            Box(label="null part", part=None, spare=None, other=None),  # type: ignore[arg-type]
            # A value of the wrong type: graphql-core's is_type_of error.
            Box(label="wrong type", part=good, spare=None, other="not a part"),  # type: ignore[arg-type]
            # An awaited subfield that fails inside an object on the direct path.
            Box(label="late error", part=good, spare=Part(name="broken", size=3), other=None),
            # A non-null object whose non-null subfield fails: null up to the box.
            Box(label="deep", part=Part(name=None, size=4), spare=None, other=None),  # type: ignore[arg-type]
        ]


QUERY = """{ boxes { label part { name size later } spare { size name later }
                     other { name } ... on Box { part { size } } } }"""


def run(
    executor: type[StrawberryGraphQLCoreExecutionContext], query: str = QUERY
) -> ExecutionResult:
    schema = strawberry.Schema(Query, execution_context_class=executor)
    return asyncio.run(schema.execute(query))


def errors(result: ExecutionResult) -> list[tuple[str, Any]]:
    return sorted((e.message, e.path) for e in result.errors or [])


class Counting(StrawberryGraphQLCoreExecutionContext):
    fields: ClassVar[list[str]] = []

    def execute_field(self, parent_type: Any, source: Any, details: Any, *args: Any) -> Any:
        Counting.fields.append(f"{parent_type.name}.{details[0].node.name.value}")
        return super().execute_field(parent_type, source, details, *args)


class Probe(Executor, Counting):
    """The direct paths, with graphql-core's own path (what they fall back to) counted."""


def test_the_direct_path_answers_as_graphql_core_does_errors_and_order_included() -> None:
    mine, theirs = run(Executor), run(StrawberryGraphQLCoreExecutionContext)

    assert json.dumps(mine.data) == json.dumps(theirs.data)  # values and key order
    assert errors(mine) == errors(theirs)
    assert mine.data is not None
    boxes = mine.data["boxes"]
    assert boxes[0] == {
        "label": "fine",
        "part": {"name": "a", "size": 1, "later": 7},
        "spare": {"size": None, "name": "s", "later": 7},
        "other": None,
    }
    assert boxes[1]["spare"] is None
    assert boxes[2] is None
    assert boxes[3]["other"] is None
    assert boxes[4]["spare"] is None
    assert boxes[5] is None
    paths = [path for _, path in errors(mine)]
    assert ["boxes", 1, "spare", "name"] in paths
    assert ["boxes", 2, "part"] in paths
    assert ["boxes", 3, "other"] in paths
    assert ["boxes", 4, "spare", "later"] in paths
    assert ["boxes", 5, "part", "name"] in paths
    assert len(paths) == 5, paths


SHELVES = """{ shelves { boxes { label part { name later } } maybe { name later size }
               again: maybe @include(if: true) { name } } }"""


def test_lists_of_objects_answer_as_graphql_core_does() -> None:
    mine = run(Executor, SHELVES)
    theirs = run(StrawberryGraphQLCoreExecutionContext, SHELVES)

    assert json.dumps(mine.data) == json.dumps(theirs.data)
    assert errors(mine) == errors(theirs)
    assert mine.data is not None
    shelves = mine.data["shelves"]
    assert shelves[0]["maybe"] == [{"name": "a", "later": 7, "size": 1}, None]
    assert shelves[1] is None
    assert shelves[4] is None
    assert shelves[2]["maybe"] == [None, {"name": "a", "later": 7, "size": 1}]
    assert shelves[3]["maybe"] == [{"name": "a", "later": 7, "size": 1}, None]
    paths = [path for _, path in errors(mine)]
    assert ["shelves", 1, "boxes", 0, "part", "name"] in paths
    assert ["shelves", 2, "maybe", 0, "later"] in paths
    assert ["shelves", 3, "maybe", 1] in paths
    assert ["shelves", 4, "boxes", 0] in paths
    assert len(paths) == 5, paths


def test_graphql_cores_path_is_taken_only_where_the_direct_path_cannot_answer() -> None:
    Counting.fields = []

    result = run(Probe, "{ boxes { part { name size } spare { name } } }")

    assert result.data is not None
    # `boxes` has a resolver. The objects and leaves take the direct paths, except: box 1's
    # null name, box 2's null part, and box 5's null name (its part on the direct path).
    assert sorted(Counting.fields) == sorted(
        ["Query.boxes", "Part.name", "Box.part", "Part.name"]
    ), Counting.fields


def test_the_readings_objects_take_the_direct_path() -> None:
    """What a long page is made of: if a Strawberry upgrade changes how it resolves a plain
    object field, this says the direct path is gone (the answers stay right either way)."""
    types = build_schema()._schema.type_map

    def direct(name: str) -> set[str]:
        fields = types[name].fields  # type: ignore[attr-defined]
        return {n for n, f in fields.items() if object_of(f) is not None}

    assert direct("Reading") == {"info"}  # Reading has an is_type_of: Strawberry's own
    assert direct("ReadingEdge") == {"node"}
    assert direct("ReadingConnection") == {"pageInfo"}
    edges = types["ReadingConnection"].fields["edges"]  # type: ignore[attr-defined]
    assert items_of(edges) is not None
