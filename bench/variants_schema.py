"""Prototypes of the schema's fast paths undone, for bench.variants (see its docstring)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def no_leaf_path() -> None:
    """Every field through graphql-core's own execute_field, as before gql/schema/executor.py's
    direct path for plain leaf fields (to measure it)."""
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from gql.schema.executor import Executor

    Executor.execute_field = StrawberryGraphQLCoreExecutionContext.execute_field  # type: ignore[method-assign]
    Executor.execute_fields = StrawberryGraphQLCoreExecutionContext.execute_fields  # type: ignore[method-assign]


def no_object_path() -> None:
    """Plain object fields and lists of them (`node`, `info`, `pageInfo`, `edges`) through
    graphql-core's execute_field, as before gql/schema/executor.py's direct paths for them
    (leaves keep theirs)."""
    import gql.schema.executor

    for name in ("object_of", "items_of"):
        setattr(gql.schema.executor, name, lambda field: None)


def field_loop() -> None:
    """Each field of an object through graphql-core's loop (a Path, a call and an awaitable
    check each), the direct path taken inside execute_field, as before Executor.execute_fields."""
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    from gql.schema.executor import Executor

    Executor.execute_fields = StrawberryGraphQLCoreExecutionContext.execute_fields  # type: ignore[method-assign]


def six_extensions() -> None:
    """The request's hooks spread over six extensions, as before gql.schema.extensions.Pipeline
    took them into one: five more extensions with the hooks the five others had (three around
    the operation, one around parsing, one around validation), each doing nothing. What it
    measures is Strawberry's per-request cost of each extension's hook wrappers."""
    from strawberry.extensions import SchemaExtension

    import gql.schema

    class Operation(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield

    class Parse(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            yield

    class Validate(SchemaExtension):
        def on_validate(self) -> Iterator[None]:
            yield

    original = gql.schema.extensions_for  # type: ignore[attr-defined]

    def extensions_for(settings: Any) -> list[Any]:
        return [*original(settings), Operation, Operation, Operation, Parse, Validate]

    gql.schema.extensions_for = extensions_for  # type: ignore[attr-defined]  # build_schema calls it
