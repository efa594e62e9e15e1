"""The execution context of the fast path (see the package's docstring).

A fenced module (docs/architecture.md, tests/graphql/test_fast_path_fence.py):
it subclasses strawberry's execution context, overrides graphql-core 3.3's
`execute_fields`, `execute_field`, `complete_list_value` (their signatures
changed in 3.3) and `MiddlewareManager.get_field_resolver`, and calls
`collect_subfields`. None of those is a documented API; the other modules of the
fast path reach the libraries only through `compat` and their public API.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeGuard, cast

from graphql import (
    GraphQLFieldResolver,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    MiddlewareManager,
    Undefined,
)
from graphql.pyutils import Path
from tortoise.models import Model

from app.graphql.core.fast_path.compat import (
    FieldDetailsList,
    GroupedFieldSet,
    StrawberryGraphQLCoreExecutionContext,
    optimized_is_awaitable,
)
from app.graphql.core.fast_path.direct_resolvers import direct_resolvers
from app.graphql.core.fast_path.plain_fields import merge, plain_readers, plain_value

NEVER_AWAITABLE = frozenset({type(None), bool, int, float, str, list, dict})


def _is_awaitable_not_row(value: Any) -> TypeGuard[Awaitable[Any]]:
    # One call per check (graphql-core makes several per field): values of the
    # common types first, as strawberry's own check does.
    if type(value) in NEVER_AWAITABLE:
        return False
    return optimized_is_awaitable(value) and not isinstance(value, Model)


class DirectResolvers(MiddlewareManager):
    """No middleware: each field's resolver, or its twin where it has one."""

    def __init__(self, twins: dict[GraphQLFieldResolver, GraphQLFieldResolver]) -> None:
        super().__init__()
        self.twins = twins

    def get_field_resolver(self, field_resolver: GraphQLFieldResolver) -> GraphQLFieldResolver:
        return self.twins.get(field_resolver, field_resolver)


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with three shortcuts:

    - the fields `plain_readers` found are answered without graphql-core's
      per-field machinery (everything else, and any null or error, takes the
      normal path);
    - resolvers with a direct twin (`also_direct`) are called without
      strawberry's wrapper;
    - an ORM row is a value, not an awaitable. A Tortoise model instance is
      awaitable (`await row` gives the row back), so graphql-core awaited every
      row a resolver returned: a coroutine and a task per row of a list.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = _is_awaitable_not_row
        # A schema extension with a `resolve` hook must see every field.
        manager = self.middleware_manager
        if manager and manager.middlewares:
            self.plain = {}
        else:
            self.plain = plain_readers(self.schema)
            self.middleware_manager = DirectResolvers(direct_resolvers(self.schema))

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        fields = self.plain.get(parent_type.name)
        if fields is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # Plain fields are answered here, in one loop: no Path, no execute_field and
        # no awaitable check each. The others (a project's `registries`) go through
        # graphql-core and take their places: the answer keeps the query's order.
        results: dict[str, Any] = {}
        rest: GroupedFieldSet = {}
        for response_name, field_details_list in grouped_field_set.items():
            plain = fields.get(field_details_list[0].node.name.value)
            value = plain_value(plain, source_value) if plain is not None else None
            if value is None:
                rest[response_name] = field_details_list
            results[response_name] = value
        if not rest:
            return results
        if len(rest) == len(grouped_field_set):  # nothing answered here
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        answered = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(answered):

            async def merged() -> dict[str, Any]:
                return merge(results, rest, await answered)

            return merged()
        return merge(results, rest, cast("dict[str, Any]", answered))

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        fields = self.plain.get(parent_type.name)
        plain = fields.get(field_details_list[0].node.name.value) if fields else None
        if plain is not None:
            value = plain_value(plain, source)
            if value is not None:
                return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A list of objects whose selected fields are all plain (a project's
        # registries) is answered in one loop: no completion chain per item.
        items = self._plain_list(return_type, field_details_list, info, result)
        if items is not None:
            return items
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plain_list(
        self,
        return_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        result: Any,
    ) -> list[dict[str, Any]] | None:
        """The answer, or None where anything needs the normal path: a null item,
        one `is_type_of` does not accept, a field that is not plain or not plainly
        answered. That path then gives its usual answer or located error (reading
        a plain field twice changes nothing)."""
        item_type = return_type.of_type
        if isinstance(item_type, GraphQLNonNull):
            item_type = item_type.of_type
        if type(result) is not list or not isinstance(item_type, GraphQLObjectType):
            return None
        fields = self.plain.get(item_type.name)
        if fields is None:
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            item_type, field_details_list
        )
        if new_defer_usages:
            return None
        selected = []
        for response_name, details in grouped_field_set.items():
            plain = fields.get(details[0].node.name.value)
            if plain is None:
                return None
            selected.append((response_name, plain))
        # The visibility rule of project-scoped nodes is their `is_type_of`: kept.
        is_type_of = item_type.is_type_of
        items = []
        try:  # _plain_value for each field, written out: this loop runs per leaf
            for item in result:
                if item is None or (is_type_of is not None and is_type_of(item, info) is not True):
                    return None
                answer = {}
                for response_name, (read, serialize) in selected:
                    value = read(item)
                    if value is None:
                        return None
                    value = serialize(value)
                    if value is None or value is Undefined:
                        return None
                    answer[response_name] = value
                items.append(answer)
        except Exception:
            return None
        return items
