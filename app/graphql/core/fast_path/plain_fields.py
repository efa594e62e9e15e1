"""Leaf fields read straight from their row, without the per-field machinery.

Most fields of a list of projects with their registries are plain attributes
(`name`, `hostname`, …) or Relay `id`s (figures: docs/bench-notes.md). For each one,
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
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_nullable_type,
)
from strawberry import relay
from strawberry.relay import to_base64

from app.graphql.core.fast_path.compat import (
    GroupedFieldSet,
    default_read,
    has_field_extensions,
    is_basic_field,
    node_id_attribute,
    relay_id_function,
    strawberry_field,
    type_origin,
    wrapped_function,
)

Reader = Callable[[Any], Any]
PlainReaders = dict[str, dict[str, tuple[Reader, Callable[[Any], Any]]]]
"""{object type name: {field name: (read the value from the row, serialize it)}}"""


_RELAY_ID_FUNCTION = relay_id_function()


def _relay_id_reader(origin: type[relay.Node], type_name: str) -> Reader | None:
    """How strawberry's Relay resolver answers `id` on rows of `origin`, if the
    type keeps its defaults (a type that overrides them stays on the normal path)."""
    # The classmethods' functions, to compare a subclass's with strawberry's own
    # (mypy does not see `__func__` on a bound classmethod).
    node: Any = relay.Node
    defaults = node.resolve_id.__func__, node.resolve_typename.__func__
    overrides = (
        getattr(origin.resolve_id, "__func__", None),
        getattr(origin.resolve_typename, "__func__", None),
    )
    if overrides != defaults:
        return None
    attribute = node_id_attribute(origin)

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
    definition = strawberry_field(field)
    if definition is None:
        return None
    if is_basic_field(definition):
        name, default_resolver = default_read(definition)
        if default_resolver is getattr:  # strawberry's default: the same, in C
            return attrgetter(name)

        def read(row: Any) -> Any:
            return default_resolver(row, name)

        return read
    if (
        isinstance(origin, type)
        and issubclass(origin, relay.Node)
        and not has_field_extensions(definition)
        and wrapped_function(definition) is _RELAY_ID_FUNCTION
    ):
        return _relay_id_reader(origin, type_name)
    return None


@cache
def plain_readers(schema: GraphQLSchema) -> PlainReaders:
    readers: PlainReaders = {}
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        origin = type_origin(named)
        fields = {}
        for field_name, field in named.fields.items():
            read = _reader(type_name, origin, field)
            if read is not None:
                leaf = get_nullable_type(field.type)
                fields[field_name] = (read, leaf.serialize)
        if fields:
            readers[type_name] = fields
    return readers


def plain_value(plain: tuple[Reader, Callable[[Any], Any]], source: Any) -> Any:
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


def merge(
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
