"""Every internal of strawberry and graphql-core the fast path reads, and nothing else.

The other fenced module is `execution` (the execution context: it subclasses
strawberry's and overrides graphql-core 3.3's methods, which cannot be wrapped
here). Everything else in app/ uses the libraries' public API only;
tests/graphql/test_fast_path_fence.py walks the code and holds that.

These are not public APIs: a release may rename, move or re-sign any of them.
The range pinned in pyproject.toml is the range `scripts/check-upgrades.sh` ran
the whole suite on, with the fast path on and off. When an upgrade breaks one of
these, set NODION_GRAPHQL_FAST_PATH=off (the stock path imports none of this
package), ship, then fix it here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType

# graphql-core 3.3: the grouped fields of a selection, as `execute_fields`,
# `execute_field` and `complete_list_value` take them (their signatures changed
# across 3.2 -> 3.3; the overrides in execution.py follow 3.3's).
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from strawberry import relay

# strawberry's own awaitable check (fast for the common value types).
from strawberry.execution.is_awaitable import optimized_is_awaitable

# strawberry: the execution context class it gives graphql-core (not exported).
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# strawberry: the key under which a GraphQL field's extensions hold its StrawberryField.
from strawberry.schema.schema_converter import GraphQLCoreConverter

# strawberry: a field's definition (python_name, default_resolver, base_resolver,
# extensions, is_basic_field are its undocumented attributes).
from strawberry.types.field import StrawberryField

DEFINITION_BACKREF: str = GraphQLCoreConverter.DEFINITION_BACKREF


def strawberry_field(field: GraphQLField) -> StrawberryField | None:
    """The StrawberryField strawberry built a GraphQL field from, or None."""
    definition = field.extensions.get(DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None


def type_origin(named: GraphQLObjectType) -> Any:
    """The Python class strawberry built a GraphQL object type from, or None."""
    return getattr(named.extensions.get(DEFINITION_BACKREF), "origin", None)


def has_field_extensions(field: StrawberryField) -> bool:
    """Whether a field has field extensions (a permission, say)."""
    return bool(field.extensions)


def default_read(field: StrawberryField) -> tuple[str, Callable[[Any, str], Any]]:
    """(attribute, reader) with which strawberry answers a basic field:
    `reader(row, attribute)`."""
    return field.python_name, field.default_resolver


def relay_id_function() -> Any:
    """The function behind relay.Node's own `id` resolver."""
    node: Any = relay.Node
    [field] = [f for f in node.__strawberry_definition__.fields if f.graphql_name == "id"]
    return wrapped_function(field)


def node_id_attribute(origin: type[relay.Node]) -> str:
    """The attribute a relay.Node type declared as its NodeID."""
    return origin.resolve_id_attr()


def is_basic_field(field: Any) -> bool:
    """A StrawberryField with no resolver and no extension: strawberry answers it
    with `default_resolver(source, python_name)`."""
    return bool(field.is_basic_field)


def wrapped_function(field: Any) -> Any:
    """The function a StrawberryField's resolver wraps (unbound), or None."""
    resolver = field.base_resolver
    function = resolver.wrapped_func if resolver is not None else None
    return getattr(function, "__func__", function)


def cached_future(loader: Any, key: Any) -> Any:
    """The future a strawberry DataLoader keeps for `key` in this request, or None."""
    return loader.cache_map.get(key)


def batch_function(loader: Any) -> Any:
    """The batch function a strawberry DataLoader was made with."""
    return loader.load_fn


__all__ = [
    "FieldDetailsList",
    "GroupedFieldSet",
    "StrawberryGraphQLCoreExecutionContext",
    "batch_function",
    "cached_future",
    "default_read",
    "has_field_extensions",
    "is_basic_field",
    "node_id_attribute",
    "optimized_is_awaitable",
    "relay_id_function",
    "strawberry_field",
    "type_origin",
    "wrapped_function",
]
