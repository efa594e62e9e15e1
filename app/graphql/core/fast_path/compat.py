"""Every internal of strawberry and graphql-core the fast path uses, and nothing else.

These are not public APIs: a release may rename, move or re-sign any of them.
The range pinned in pyproject.toml is the range `scripts/check-upgrades.sh` ran
the whole suite on, with the fast path on and off. When an upgrade breaks one of
these, set NODION_GRAPHQL_FAST_PATH=off (the stock path imports none of this
package), ship, then fix it here.
"""

from __future__ import annotations

from typing import Any

# graphql-core 3.3: the grouped fields of a selection, as `execute_fields`,
# `execute_field` and `complete_list_value` take them (their signatures changed
# across 3.2 -> 3.3; the overrides in execution.py follow 3.3's).
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet

# strawberry's own awaitable check (fast for the common value types).
from strawberry.execution.is_awaitable import optimized_is_awaitable

# strawberry: the rule classes its depth and alias limiters build on each
# construction; built once here, so the document cache's validation results hit.
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

# strawberry: the execution context class it gives graphql-core (not exported).
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# strawberry: the key under which a GraphQL field's extensions hold its StrawberryField.
from strawberry.schema.schema_converter import GraphQLCoreConverter

DEFINITION_BACKREF: str = GraphQLCoreConverter.DEFINITION_BACKREF


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
    "DEFINITION_BACKREF",
    "FieldDetailsList",
    "GroupedFieldSet",
    "StrawberryGraphQLCoreExecutionContext",
    "batch_function",
    "cached_future",
    "is_basic_field",
    "max_aliases_rule",
    "max_depth_rule",
    "optimized_is_awaitable",
    "wrapped_function",
]
