"""Resolvers graphql-core calls itself, without strawberry's wrapper around each call.

For every call of a resolver, strawberry builds an Info, converts each declared
argument (through its name converter, also when the argument is absent) and
chains the field's extensions. For a field answered once per item of a long
list (`Project.registries`, once per project of the dashboard's list), that
costs more than the resolver (figures: docs/bench-notes.md).

A resolver declared `@also_direct(fn)` has a twin `fn(source, info, **arguments)`
with graphql-core's resolver signature (GraphQL argument names, values as
graphql-core coerced them; `info.context` is the same context). The execution
context gives graphql-core the twin instead, through a MiddlewareManager (the
hook graphql-core offers to replace a field's resolver), and only when the field
has no field extension (a permission, say) and no schema extension resolves
fields; otherwise strawberry's own path runs. That MiddlewareManager overrides
graphql-core's `get_field_resolver`, so it lives in the fenced `execution` module.
"""

from __future__ import annotations

from functools import cache

from graphql import GraphQLFieldResolver, GraphQLObjectType, GraphQLSchema

from app.graphql.core.fast_path.compat import (
    has_field_extensions,
    strawberry_field,
    wrapped_function,
)
from app.graphql.core.fast_path.twins import twin_of


@cache
def direct_resolvers(schema: GraphQLSchema) -> dict[GraphQLFieldResolver, GraphQLFieldResolver]:
    """{a field's resolve function as strawberry built it: its twin}"""
    twins: dict[GraphQLFieldResolver, GraphQLFieldResolver] = {}
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field in named.fields.values():
            definition = strawberry_field(field)
            if definition is None or has_field_extensions(definition):
                continue
            twin = twin_of(wrapped_function(definition))
            if twin is not None and field.resolve is not None:
                twins[field.resolve] = twin
    return twins
