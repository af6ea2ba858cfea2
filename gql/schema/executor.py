"""graphql-core's executor as Strawberry configures it, with three changes.

**A direct path for plain leaf fields.** A scalar or enum field with no resolver of its own and
no arguments (Strawberry's "basic" fields: `deviceId`, `datacount`, `version`, the info's
temperatures) is the attribute, coerced. graphql-core still builds its resolve info (a tuple of
ten), a path and an argument check, and walks `complete_value`, for each of them: about half
of what a long page costs above DynamoDB (a scan page of 100 readings has 900 such fields).
Such a field is answered here as the attribute, coerced; whatever would be anything else (a
null for a non-null field, a value that does not coerce, a field middleware) takes
graphql-core's own path, which raises the error it always did.

**Direct paths for plain object fields and lists of them** (`node`, `info`, `pageInfo`,
`edges`): the subfields run on the attribute (on each item) as graphql-core's `complete_value`
runs them, without the resolve info, the resolver call and the type dispatch before them, and
errors are handled as graphql-core handles them. What qualifies: gql/schema/direct.py.

**No per-subscription leak.** graphql-core 3.3 memoizes the subfields it collects per
executor, keyed by the identity of each field list (graphql-js keys the same memo on a WeakMap,
so its entries die with the lists). A subscription's executor makes one shallow copy per
event, and the copies share their parent's memo: every event adds entries that live as long as
the subscription, about 3 KB per event of `readingChanges`, so a subscription that runs for
days grows without bound. Each event's executor gets a memo of its own here, which goes when
the event is sent.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    get_nullable_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gql.schema.direct import (
    SLOW,
    Inner,
    Items,
    direct_value,
    is_type_of_ok,
    items_of,
    leaf_of,
    object_of,
)


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
            value = SLOW if leaf is None else direct_value(leaf, source_value)
            if value is SLOW:
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
            answer: Any = SLOW
            leaf = leaf_of(field)
            if leaf is not None:
                answer = direct_value(leaf, source)
            elif (inner := object_of(field)) is not None:
                answer = self._direct_object(
                    inner, field, source, field_details_list, path, position_context
                )
            elif (items := items_of(field)) is not None:
                answer = self._direct_items(
                    items, field, source, field_details_list, path, position_context
                )
            if answer is not SLOW:
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
                return SLOW if non_null else None
            if isinstance(value, Exception) or not is_type_of_ok(object_type, value):
                return SLOW
        except Exception:  # graphql-core's path raises it as it should
            return SLOW
        try:
            completed = self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._settled(completed, field.type, field_details_list, path)
        return completed

    def _direct_items(
        self,
        items: Items,
        field: GraphQLField,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """A plain list of objects (`edges`): each item as `_direct_object` does it, the list
        as graphql-core's complete_iterable_value does it (errors at the item's path, a
        failed non-null item failing the list). Any item that is not a plain object of the
        type, or a @stream, takes graphql-core's path for the whole list."""
        attribute, item_type, non_null, items_non_null = items
        try:
            value = attribute(source)
            if value is None:
                return SLOW if non_null else None
            if not isinstance(value, list | tuple) or _has_directives(field_details_list):
                return SLOW
            for item in value:
                if item is None:
                    if items_non_null:
                        return SLOW
                elif isinstance(item, Exception) or not is_type_of_ok(item_type, item):
                    return SLOW
        except Exception:  # graphql-core's path raises it as it should
            return SLOW
        wrapped = get_nullable_type(field.type)
        assert isinstance(wrapped, GraphQLList)  # items_of said so
        completed: list[Any] = []
        pending: list[int] = []
        try:
            for index, item in enumerate(value):
                if item is None:
                    completed.append(None)
                    continue
                item_path = path.add_key(index, None)
                try:
                    answer = self.collect_and_execute_subfields(
                        item_type, field_details_list, item_path, item, position_context
                    )
                except Exception as raw_error:
                    self.handle_field_error(
                        raw_error, wrapped.of_type, field_details_list, item_path
                    )
                    answer = None
                if self.is_awaitable(answer):
                    answer = self._settled(answer, wrapped.of_type, field_details_list, item_path)
                    pending.append(index)
                completed.append(answer)
        except Exception as raw_error:  # a non-null item failed: the list fails
            if pending:
                self.settle_in_background([completed[index] for index in pending])
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None
        if not pending:
            return completed

        async def await_completed() -> Any:
            try:
                answers = await gather_with_cancel(*(completed[index] for index in pending))
                for index, answer in zip(pending, answers, strict=True):
                    completed[index] = answer
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.type, field_details_list, path)
                return None
            return completed

        return await_completed()

    async def _settled(
        self, answer: Any, return_type: Any, field_details_list: FieldDetailsList, path: Path
    ) -> Any:
        """An awaited answer of a field (or list item) at `path`, its error handled as
        graphql-core's execute_field handles one: null, or raised on for a non-null type."""
        try:
            return await answer
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def build_per_event_executor(self, payload: Any) -> Executor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor  # type: ignore[return-value]


def _has_directives(field_details_list: FieldDetailsList) -> bool:
    """Whether any of the field's nodes carries a directive (@stream, or one graphql-core
    would have to read): such a list takes graphql-core's path."""
    return any(details.node.directives for details in field_details_list)


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
