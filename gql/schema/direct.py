"""Which fields the executor (gql/schema/executor.py) may answer by a direct path, and how.

A field qualifies when Strawberry resolves it as the attribute alone: no resolver, permission
or extension of its own, and no arguments. What each field's path is gets worked out once and
kept on the GraphQLField itself.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from strawberry.resolvers import is_default_resolver
from strawberry.types.field import StrawberryField

Leaf = tuple[Callable[[Any], Any], Callable[[Any], Any], bool]  # attribute, coerce, non-null
LEAF = "_gql_leaf"  # where a field's direct path (or None) is kept, on the GraphQLField itself


def leaf_of(field: GraphQLField) -> Leaf | None:
    """The field's direct path: for a leaf field Strawberry resolves as the attribute alone."""
    known: Leaf | bool | None = getattr(field, LEAF, False)
    if known is not False:
        return known  # type: ignore[return-value]
    leaf: Leaf | None = None
    kind = get_nullable_type(field.type)
    attribute = attribute_of(field)
    if attribute is not None and is_leaf_type(kind):
        assert isinstance(kind, GraphQLLeafType)
        leaf = (attribute, kind.coerce_output_value, kind is not field.type)
    setattr(field, LEAF, leaf)
    return leaf


def is_basic(field: GraphQLField) -> bool:
    """Whether Strawberry resolves the field as the attribute alone, with no info: its resolver
    for a field with no resolver, permission or extension of its own."""
    resolve = field.resolve
    return (
        resolve is not None
        and is_default_resolver(resolve)
        and getattr(resolve, "__name__", "") == "_get_basic_result"
    )


Inner = tuple[Callable[[Any], Any], GraphQLObjectType, bool]  # attribute, type, non-null
INNER = "_gql_inner"  # a plain object field's direct path (or None), on the GraphQLField


def object_of(field: GraphQLField) -> Inner | None:
    """The direct path of a field Strawberry resolves as the attribute alone, of an object
    type whose `is_type_of` needs no resolve info (none, or Strawberry's own)."""
    known: Inner | bool | None = getattr(field, INNER, False)
    if known is not False:
        return known  # type: ignore[return-value]
    kind = get_nullable_type(field.type)
    plain = _plain(field, kind)
    inner = None if plain is None else (plain[0], plain[1], kind is not field.type)
    setattr(field, INNER, inner)
    return inner


Items = tuple[Callable[[Any], Any], GraphQLObjectType, bool, bool]  # + items non-null
ITEMS = "_gql_items"  # a plain list-of-objects field's direct path (or None)


def items_of(field: GraphQLField) -> Items | None:
    """The direct path of a plain list of objects (`edges`), as `object_of` for each item."""
    known: Items | bool | None = getattr(field, ITEMS, False)
    if known is not False:
        return known  # type: ignore[return-value]
    items: Items | None = None
    kind = get_nullable_type(field.type)
    if isinstance(kind, GraphQLList):
        item = get_nullable_type(kind.of_type)
        inner = _plain(field, item)
        if inner is not None:
            items = (inner[0], inner[1], kind is not field.type, item is not kind.of_type)
    setattr(field, ITEMS, items)
    return items


def _plain(field: GraphQLField, kind: Any) -> tuple[Callable[[Any], Any], GraphQLObjectType] | None:
    """The attribute and the object type, for a plain field whose (item) type is `kind`."""
    attribute = attribute_of(field)
    if (
        attribute is not None
        and isinstance(kind, GraphQLObjectType)
        and (kind.is_type_of is None or _strawberry_is_type_of(kind.is_type_of))
    ):
        return attribute, kind
    return None


def attribute_of(field: GraphQLField) -> Callable[[Any], Any] | None:
    """The getter of the attribute a field is, when Strawberry resolves it as that alone."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if (
        is_basic(field)
        and not field.args
        and isinstance(definition, StrawberryField)
        and definition.default_resolver is getattr
    ):
        return operator.attrgetter(definition.python_name)
    return None


def _strawberry_is_type_of(check: Callable[..., Any]) -> bool:
    """Strawberry's is_type_of for a type with interfaces: an isinstance test that ignores
    the resolve info it is given."""
    return getattr(check, "__module__", "") == "strawberry.schema.schema_converter" and (
        getattr(check, "__qualname__", "").endswith("_get_is_type_of.<locals>.is_type_of")
    )


def is_type_of_ok(object_type: GraphQLObjectType, value: Any) -> bool:
    check = object_type.is_type_of
    # Strawberry's own check reads no resolve info (_strawberry_is_type_of): none is built.
    return check is None or check(value, None) is True  # type: ignore[arg-type]


SLOW = object()  # the direct path has no answer: graphql-core's own path answers


def direct_value(leaf: Leaf, source: Any) -> Any:
    """The field's value by the direct path, or SLOW where graphql-core's path must answer
    (a null for a non-null field, a value that does not coerce, an error)."""
    attribute, coerce, non_null = leaf
    try:
        result = attribute(source)
        if result is None:
            return SLOW if non_null else None
        coerced = coerce(result)
    except Exception:  # graphql-core's path raises it as it should
        return SLOW
    return SLOW if coerced is None or coerced is Undefined else coerced
