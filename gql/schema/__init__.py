"""The GraphQL schema. Only this package and the edge that serves it (web/) import strawberry."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLArgument, GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from gql.config import Settings
from gql.schema.batch import BatchMutation
from gql.schema.context import Context, Cursors, Services
from gql.schema.executor import Executor
from gql.schema.extensions import extensions_for
from gql.schema.lane import QueryLane
from gql.schema.mutation import Mutation
from gql.schema.query import query_type
from gql.schema.subscription import Subscription

__all__ = ["Context", "Cursors", "QueryLane", "Services", "build_schema", "sdl"]

log = logging.getLogger("gql.schema")


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes has already logged what was unexpected; the rest is the client's doing.
        for error in errors:
            log.debug("graphql error: %s", error.message)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    schema = Schema(
        query=query_type(),
        mutation=merge_types("Mutation", (Mutation, BatchMutation)),
        subscription=Subscription,
        extensions=extensions_for(settings),
        config=StrawberryConfig(disable_field_suggestions=settings.production),
        execution_context_class=Executor,
    )
    _publish_patch_as_info(schema)
    return schema


def _publish_patch_as_info(schema: strawberry.Schema) -> None:
    """Name updateReading's `patch` argument `info`, as the contract says.

    graphql-core passes arguments to resolvers as keywords, and Strawberry's wrapper already
    has a parameter called `info`, so the argument keeps `patch` as its Python name
    (`out_name`) while clients see `info`.
    """
    mutation = schema._schema.mutation_type
    assert mutation is not None
    field = mutation.fields["updateReading"]
    field.args = {
        ("info" if name == "patch" else name): (
            GraphQLArgument(
                arg.type,
                default_value=arg.default_value,
                description=arg.description,
                out_name="patch",
                ast_node=arg.ast_node,
            )
            if name == "patch"
            else arg
        )
        for name, arg in field.args.items()
    }


def sdl() -> str:
    """The schema in SDL, as committed in schema.graphql."""
    return build_schema().as_str() + "\n"
