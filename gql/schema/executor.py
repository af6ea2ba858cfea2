"""graphql-core's executor as Strawberry configures it, with three changes.

**A direct path for plain leaf fields.** A scalar or enum field with no resolver of its own and
no arguments (Strawberry's "basic" fields: `deviceId`, `datacount`, `version`, the info's
temperatures) is the attribute, coerced. graphql-core still builds its resolve info (a tuple of
ten), a path and an argument check, and walks `complete_value`, for each of them: about half
of what a long page costs above DynamoDB (a scan page of 100 readings has 900 such fields).
Such a field is answered here as the attribute, coerced; whatever would be anything else (a
null for a non-null field, a value that does not coerce, a field middleware) takes
graphql-core's own path, which raises the error it always did.

**A direct path for plain object fields** (`node`, `info`, `pageInfo`): the same, one level up.
The attribute's subfields run as graphql-core's `complete_value` would run them, without the
resolve info, the resolver call and the type dispatch before them; an error in them is handled
as graphql-core's `execute_field` handles it. A type whose `is_type_of` needs the resolve info
(anything but Strawberry's own isinstance test), a null, a wrong type: graphql-core's path.

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
import weakref
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
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


Inner = tuple[Callable[[Any], Any], GraphQLObjectType, bool]  # attribute, type, non-null
INNER = "_gql_inner"  # a plain object field's direct path (or None), on the GraphQLField


def object_of(field: GraphQLField) -> Inner | None:
    """The direct path of a field Strawberry resolves as the attribute alone, of an object
    type whose `is_type_of` needs no resolve info (none, or Strawberry's own)."""
    known: Inner | bool | None = getattr(field, INNER, False)
    if known is not False:
        return known  # type: ignore[return-value]
    inner: Inner | None = None
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    definition = (field.extensions or {}).get("strawberry-definition")
    if (
        is_basic(field)
        and not field.args
        and isinstance(kind, GraphQLObjectType)
        and (kind.is_type_of is None or _strawberry_is_type_of(kind.is_type_of))
        and isinstance(definition, StrawberryField)
        and definition.default_resolver is getattr
    ):
        inner = (operator.attrgetter(definition.python_name), kind, kind is not field.type)
    setattr(field, INNER, inner)
    return inner


def _strawberry_is_type_of(check: Callable[..., Any]) -> bool:
    """Strawberry's is_type_of for a type with interfaces: an isinstance test that ignores
    the resolve info it is given."""
    return getattr(check, "__module__", "") == "strawberry.schema.schema_converter" and (
        getattr(check, "__qualname__", "").endswith("_get_is_type_of.<locals>.is_type_of")
    )


def _is_type_of(object_type: GraphQLObjectType, value: Any) -> bool:
    check = object_type.is_type_of
    # Strawberry's own check reads no resolve info (_strawberry_is_type_of): none is built.
    return check is None or check(value, None) is True  # type: ignore[arg-type]


_SLOW = object()  # the direct path has no answer: graphql-core's own path answers


def direct_value(leaf: Leaf, source: Any) -> Any:
    """The field's value by the direct path, or _SLOW where graphql-core's path must answer
    (a null for a non-null field, a value that does not coerce, an error)."""
    attribute, coerce, non_null = leaf
    try:
        result = attribute(source)
        if result is None:
            return _SLOW if non_null else None
        coerced = coerce(result)
    except Exception:  # graphql-core's path raises it as it should
        return _SLOW
    return _SLOW if coerced is None or coerced is Undefined else coerced


class Executor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core keeps two of its own bound methods on the executor: a reference cycle
        # that held the request's whole graph (its context, request, answer) until the garbage
        # collector came, instead of freeing it when the request was answered.
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self.gather_async_work), track=_weakly(self.track_async_work)
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """The plain leaf fields of an object answered in one loop, without the Path, the call
        and the awaitable check graphql-core's loop spends on each; the rest as it does."""
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        fields = parent_type.fields
        direct: dict[str, Any] = {}
        rest: GroupedFieldSet = {}
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field = fields.get(node.name.value)
            leaf = None if field is None or node.arguments else leaf_of(field)
            value = _SLOW if leaf is None else direct_value(leaf, source_value)
            if value is _SLOW:
                rest[response_name] = field_details_list
            else:
                direct[response_name] = value
        if not rest:
            return direct
        results = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if not direct:
            return results
        order = list(grouped_field_set)
        if self.is_awaitable(results):

            async def in_order() -> dict[str, Any]:
                return _in_order(order, direct, await results)

            return in_order()
        return _in_order(order, direct, results)  # type: ignore[arg-type]

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
        if (
            field is not None
            and not node.arguments
            and (middleware is None or not middleware.middlewares)
        ):
            leaf = leaf_of(field)
            if leaf is not None:
                value = direct_value(leaf, source)
                if value is not _SLOW:
                    return value
            else:
                inner = object_of(field)
                if inner is not None:
                    answer = self._direct_object(
                        inner, field, source, field_details_list, path, position_context
                    )
                    if answer is not _SLOW:
                        return answer
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _direct_object(
        self,
        inner: Inner,
        field: GraphQLField,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A plain object field (`node`, `info`, `pageInfo`): its subfields run on the attribute
        as graphql-core's complete_value would run them, without the resolve info, the call
        and the type dispatch before them; an error is handled as graphql-core handles it."""
        attribute, object_type, non_null = inner
        try:
            value = attribute(source)
            if value is None:
                return _SLOW if non_null else None
            if isinstance(value, Exception) or not _is_type_of(object_type, value):
                return _SLOW
        except Exception:  # graphql-core's path raises it as it should
            return _SLOW
        try:
            completed = self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.type, field_details_list, path)
                return None

        return await_completed()

    def build_per_event_executor(self, payload: Any) -> Executor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor  # type: ignore[return-value]


def _weakly(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, without keeping its object alive (the object outlives every call anyway)."""
    ref = weakref.WeakMethod(method)

    def call(*args: Any, **kwargs: Any) -> Any:
        bound = ref()
        if bound is None:
            raise RuntimeError("the execution this helper belongs to is over")
        return bound(*args, **kwargs)

    return call


def _in_order(order: list[str], direct: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    """The fields' answers in the order of the selection (graphql-core leaves out Undefined)."""
    results: dict[str, Any] = {}
    for name in order:
        if name in direct:
            results[name] = direct[name]
        elif name in rest:
            results[name] = rest[name]
    return results
