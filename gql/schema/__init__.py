"""The GraphQL schema. Only this package (and the wiring in app.py) imports strawberry."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gql.config import Settings
from gql.schema.context import Context, Cursors, Services
from gql.schema.extensions import extensions_for
from gql.schema.mutation import Mutation
from gql.schema.query import query_type

__all__ = ["Context", "Cursors", "Services", "build_schema", "sdl"]

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
    return Schema(
        query=query_type(),
        mutation=Mutation,
        extensions=extensions_for(settings),
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )


def sdl() -> str:
    """The schema in SDL, as committed in schema.graphql."""
    return build_schema().as_str() + "\n"
