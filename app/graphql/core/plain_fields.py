"""Leaf fields read straight from their row, without the per-field machinery.

A list of 50 projects with their registries executes about 950 fields; 700 are
plain attributes (`name`, `hostname`, …) and 150 are Relay `id`s. For each one,
graphql-core builds a ResolveInfo, checks twice for an awaitable and dispatches
the completion, and strawberry runs every `id` through its argument and
extension chain (the Relay resolver also looks the type up by name each time).
That was most of the list's CPU beyond what the hand-written floor spends.

`plain_readers` finds, once per schema, the fields whose answer is known to be
`serialize(read(row))`:

- strawberry's "basic" fields (no resolver, no field extension: strawberry
  itself answers them with `default_resolver(row, python_name)`), and
- the Relay `id` of a node type that keeps strawberry's own `resolve_id` and
  `resolve_typename`: the global ID of (the type's name, `row.<NodeID attr>`),

when the field's type is a scalar or an enum and it takes no arguments. The
execution context answers those directly, and leaves anything unusual (a null,
a value the scalar refuses, an exception) to graphql-core's normal path, which
then gives the same null or the same located error as before.

Two shapes are answered in one loop: an object's plain fields (its other fields,
a project's `registries`, still go through graphql-core, and the answer keeps
the query's order), and a list of objects whose selected fields are all plain
(a project's registries: no completion chain per item; `is_type_of`, which
carries the visibility rule of project-scoped nodes, still runs for each).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_nullable_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from app.graphql.core.direct_resolvers import DirectResolvers, direct_resolvers

Reader = Callable[[Any], Any]
PlainReaders = dict[str, dict[str, tuple[Reader, Callable[[Any], Any]]]]
"""{object type name: {field name: (read the value from the row, serialize it)}}"""

DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF


def _relay_id_field() -> StrawberryField:
    definition: StrawberryObjectDefinition = relay.Node.__strawberry_definition__  # type: ignore[attr-defined]
    [field] = [f for f in definition.fields if f.graphql_name == "id"]
    return field


_RELAY_ID = _relay_id_field()


def _wrapped_function(field: StrawberryField) -> Any:
    resolver = field.base_resolver
    function = resolver.wrapped_func if resolver is not None else None
    return getattr(function, "__func__", function)


def _relay_id_reader(origin: type[relay.Node], type_name: str) -> Reader | None:
    """How strawberry's Relay resolver answers `id` on rows of `origin`, if the
    type keeps its defaults (a type that overrides them stays on the normal path)."""
    defaults = relay.Node.resolve_id.__func__, relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
    if (origin.resolve_id.__func__, origin.resolve_typename.__func__) != defaults:  # type: ignore[attr-defined]
        return None
    attribute = origin.resolve_id_attr()

    def read(row: Any) -> str | None:
        # What str(GlobalID(type_name, str(id))) gives, without building the GlobalID;
        # no id is strawberry's error (the normal path raises it).
        node_id = getattr(row, attribute)
        return None if node_id is None else to_base64(type_name, str(node_id))

    return read


def _reader(type_name: str, origin: Any, field: GraphQLField) -> Reader | None:
    if field.args or isinstance(get_nullable_type(field.type), GraphQLList):
        return None
    if not isinstance(get_nullable_type(field.type), GraphQLScalarType | GraphQLEnumType):
        return None
    definition = field.extensions.get(DEFINITION)
    if not isinstance(definition, StrawberryField):
        return None
    if definition.is_basic_field:
        name = definition.python_name
        default_resolver = definition.default_resolver
        if default_resolver is getattr:  # strawberry's default: the same, in C
            return attrgetter(name)

        def read(row: Any) -> Any:
            return default_resolver(row, name)

        return read
    if (
        isinstance(origin, type)
        and issubclass(origin, relay.Node)
        and not definition.extensions
        and _wrapped_function(definition) is _wrapped_function(_RELAY_ID)
    ):
        return _relay_id_reader(origin, type_name)
    return None


@cache
def plain_readers(schema: GraphQLSchema) -> PlainReaders:
    readers: PlainReaders = {}
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        type_definition = named.extensions.get(DEFINITION)
        origin = getattr(type_definition, "origin", None)
        fields = {}
        for field_name, field in named.fields.items():
            read = _reader(type_name, origin, field)
            if read is not None:
                leaf = get_nullable_type(field.type)
                fields[field_name] = (read, leaf.serialize)  # type: ignore[union-attr]
        if fields:
            readers[type_name] = fields
    return readers


def _plain_value(plain: tuple[Reader, Callable[[Any], Any]], source: Any) -> Any:
    """The serialized value, or None for anything the normal path must answer: a
    null (maybe not allowed there) or an error (which it raises again, located)."""
    read, serialize = plain
    try:
        value = read(source)
        if value is None:
            return None
        value = serialize(value)
    except Exception:
        return None
    return None if value is Undefined else value


def _merge(
    results: dict[str, Any], rest: GroupedFieldSet, answered: dict[str, Any]
) -> dict[str, Any]:
    """`answered` in the places `results` kept for the `rest`. graphql-core leaves
    out a field the type does not have (Undefined); so does this."""
    for response_name in rest:
        if response_name in answered:
            results[response_name] = answered[response_name]
        else:
            del results[response_name]
    return results


class PlainLeavesRead(StrawberryGraphQLCoreExecutionContext):
    """Answers the fields `plain_readers` found without graphql-core's per-field
    machinery; everything else, and any null or error, takes the normal path.
    Resolvers with a direct twin are called without strawberry's wrapper."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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
            value = _plain_value(plain, source_value) if plain is not None else None
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
                return _merge(results, rest, await answered)

            return merged()
        return _merge(results, rest, answered)

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
            value = _plain_value(plain, source)
            if value is not None:
                return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[Any],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
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
        info: GraphQLResolveInfo,
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
