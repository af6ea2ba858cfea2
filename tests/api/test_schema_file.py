"""`schema.graphql` is generated from the code, committed, and holds all of the contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    EnumTypeDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_schema,
    parse,
    print_ast,
)

from gql.schema import sdl

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"

# The normative excerpt of shared/API_CONTRACT.md, with its "..." written out. The contract
# allows ReadingFilter to be the same input type as ReadingCondition.
CONTRACT = """
type Query {
  reading(deviceId: ID!, datacount: Int!, consistentRead: Boolean! = false): Reading
  readingsByDevice(deviceId: ID!, datacount: DatacountCondition, filter: ReadingFilter,
                   order: SortOrder! = ASC, first: Int! = 25, after: String,
                   consistentRead: Boolean! = false): ReadingConnection!
  scanReadings(filter: ReadingFilter, first: Int! = 25, after: String): ReadingConnection!
  device(deviceId: ID!): Device!
}

type Device {
  deviceId: ID!
  readings(datacount: DatacountCondition, filter: ReadingFilter, order: SortOrder! = ASC,
           first: Int! = 25, after: String): ReadingConnection!
  latestReading: Reading
}

type Reading {
  deviceId: ID!
  datacount: Int!
  info: ReadingInfo!
  device: Device!
  version: Int
}

type ReadingInfo {
  infoTimestamp: String!
  recordedAt: DateTime
  temperature1: Float
  temperature2: Float
  temperature3: Float
  temperature4: Float
  temperature5: Float
}

type ReadingConnection { edges: [ReadingEdge!]!  pageInfo: PageInfo! }
type ReadingEdge { cursor: String!  node: Reading! }
type PageInfo { hasNextPage: Boolean!  hasPreviousPage: Boolean!  startCursor: String
                endCursor: String }

enum SortOrder { ASC DESC }
input DatacountCondition { eq: Int  lt: Int  lte: Int  gt: Int  gte: Int  between: [Int!] }

input ReadingCondition {
  infoTimestamp: StringComparison
  temperature1: FloatComparison
  temperature2: FloatComparison
  temperature3: FloatComparison
  temperature4: FloatComparison
  temperature5: FloatComparison
  and: [ReadingCondition!]  or: [ReadingCondition!]  not: ReadingCondition
}
input StringComparison { eq: String ne: String lt: String lte: String gt: String gte: String
                         between: [String!] beginsWith: String exists: Boolean }
input FloatComparison  { eq: Float ne: Float lt: Float lte: Float gt: Float gte: Float
                         between: [Float!] exists: Boolean }

input ReadingInput { deviceId: ID!  datacount: Int!  info: ReadingInfoInput! }
input ReadingInfoInput { infoTimestamp: String!  temperature1: Float  temperature2: Float
                         temperature3: Float  temperature4: Float  temperature5: Float }
input ReadingInfoPatch { infoTimestamp: String  temperature1: Float  temperature2: Float
                         temperature3: Float  temperature4: Float  temperature5: Float }

type Mutation {
  putReading(reading: ReadingInput!, ifNotExists: Boolean! = false): PutReadingResult!
  updateReading(deviceId: ID!, datacount: Int!, info: ReadingInfoPatch!,
                expectedVersion: Int, condition: ReadingCondition): UpdateReadingResult!
  deleteReadingIf(deviceId: ID!, datacount: Int!, condition: ReadingCondition!,
                  expectedVersion: Int): DeleteReadingResult!
}

union PutReadingResult = Reading | ConditionFailed
union UpdateReadingResult = Reading | ConditionFailed | ReadingNotFound
union DeleteReadingResult = Reading | ConditionFailed | ReadingNotFound

type ConditionFailed { message: String!  current: Reading }
type ReadingNotFound { message: String!  deviceId: ID!  datacount: Int! }
"""


def shapes(definition: TypeDefinitionNode) -> set[str]:
    """What a type definition promises, one line each: its kind, fields, arguments, values."""
    name = definition.name.value
    kind = type(definition).__name__.removesuffix("TypeDefinitionNode")
    lines = {f"{kind} {name}"}
    for field in getattr(definition, "fields", None) or ():
        lines.add(f"{name}.{field.name.value}: {print_ast(field.type)}")
        for argument in getattr(field, "arguments", None) or ():
            default = argument.default_value
            # `= null` on a nullable argument is what leaving the default out means.
            shown = "" if default is None else f" = {print_ast(default)}"
            shown = "" if shown == " = null" else shown
            lines.add(
                f"{name}.{field.name.value}({argument.name.value}: "
                f"{print_ast(argument.type)}{shown})"
            )
    if isinstance(definition, EnumTypeDefinitionNode):
        lines |= {f"{name}.{value.name.value}" for value in definition.values or ()}
    if isinstance(definition, UnionTypeDefinitionNode):
        lines |= {f"{name} = {member.name.value}" for member in definition.types or ()}
    return lines


def definitions(sdl_text: str) -> dict[str, TypeDefinitionNode]:
    return {
        d.name.value: d for d in parse(sdl_text).definitions if isinstance(d, TypeDefinitionNode)
    }


CONTRACT_TYPES = definitions(CONTRACT)


@pytest.fixture(scope="module")
def committed() -> dict[str, TypeDefinitionNode]:
    return definitions(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_committed_schema_file_is_the_schema_of_the_code() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == sdl(), (
        "schema.graphql is stale: run `gql export-schema -o schema.graphql`"
    )


def test_the_committed_schema_file_builds_a_valid_schema() -> None:
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))

    assert schema.query_type is not None
    assert schema.mutation_type is not None


@pytest.mark.parametrize("name", list(CONTRACT_TYPES))
def test_the_schema_file_has_every_name_of_the_contract(
    committed: dict[str, TypeDefinitionNode], name: str
) -> None:
    assert name in committed, f"type {name} is missing"
    # The contract allows ReadingFilter to be the same input type as ReadingCondition.
    promised = {
        line.replace("ReadingFilter", "ReadingCondition")
        if "ReadingFilter" not in committed
        else line
        for line in shapes(CONTRACT_TYPES[name])
    }

    assert promised - shapes(committed[name]) == set()
