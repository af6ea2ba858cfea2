"""graphql-core's executor as Strawberry configures it, with two changes.

**A direct path for plain leaf fields.** A scalar or enum field with no resolver of its own and
no arguments (Strawberry's "basic" fields: `deviceId`, `datacount`, `version`, the info's
temperatures) is the attribute, coerced. graphql-core still builds its resolve info (a tuple of
ten), a path and an argument check, and walks `complete_value`, for each of them: about half
of what a long page costs above DynamoDB (a scan page of 100 readings has 900 such fields).
Such a field is answered here as the attribute, coerced; whatever would be anything else (a
null for a non-null field, a value that does not coerce, a field middleware) takes
graphql-core's own path, which raises the error it always did.

**No per-subscription leak.** graphql-core 3.3 memoizes the subfields it collects per
executor, keyed by the identity of each field list (graphql-js keys the same memo on a WeakMap,
so its entries die with the lists). A subscription's executor makes one shallow copy per
event, and the copies share their parent's memo: every event adds entries that live as long as
the subscription, about 3 KB per event of `readingChanges`, so a subscription that runs for
days grows without bound. Each event's executor gets a memo of its own here, which goes when
the event is sent.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.resolvers import is_default_resolver
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

Leaf = tuple[Callable[[Any], Any], Callable[[Any], Any], bool]  # attribute, coerce, non-null
LEAF = "_gql_leaf"  # where a field's direct path (or None) is kept, on the GraphQLField itself


def leaf_of(field: GraphQLField) -> Leaf | None:
    """The field's direct path: for a leaf field Strawberry resolves as the attribute alone."""
    known: Leaf | bool | None = getattr(field, LEAF, False)
    if known is not False:
        return known  # type: ignore[return-value]
    leaf: Leaf | None = None
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    definition = (field.extensions or {}).get("strawberry-definition")
    if (
        is_basic(field)
        and not field.args
        and is_leaf_type(kind)
        and isinstance(definition, StrawberryField)
        and definition.default_resolver is getattr
    ):
        assert isinstance(kind, GraphQLLeafType)
        attribute = operator.attrgetter(definition.python_name)
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


class Executor(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        middleware = self.middleware_manager  # Strawberry makes one, empty unless asked
        if field is not None and (middleware is None or not middleware.middlewares):
            leaf = leaf_of(field)
            if leaf is not None and not node.arguments:
                attribute, coerce, non_null = leaf
                try:
                    result = attribute(source)
                    if result is None:
                        if not non_null:
                            return None
                    else:
                        coerced = coerce(result)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:  # noqa: S110 - graphql-core's path below raises it as it should
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def build_per_event_executor(self, payload: Any) -> Executor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor  # type: ignore[return-value]
