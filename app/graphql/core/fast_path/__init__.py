"""The GraphQL fast path: shortcuts through strawberry's and graphql-core's execution.

Switched at start-up by NODION_GRAPHQL_FAST_PATH (`on` by default). Off, the
service runs strawberry's stock execution context, strawberry's own wrapper
around every resolver, and DataLoaders without peeking; nothing in this package
but `twins` is imported then. The answers are the same either way (a test runs
the client operations against both and compares them).

What it does (each piece in its own module):

- `plain_fields`: leaf fields whose answer is `serialize(read(row))` (strawberry's
  basic fields, and a default Relay `id`) are read straight from the row.
- `direct_resolvers`: a resolver declared with `twins.also_direct(twin)` is
  called as its twin, without strawberry's per-call wrapper.
- `execution`: the execution context doing both, which also treats ORM rows as
  values (a Tortoise row is awaitable; graphql-core awaited each one).
- DataLoader peeking (`compat.cached_future`, used by app.graphql.core.loaders):
  a value this request loaded already is answered without an await.

Every internal it relies on is read in `compat` or, for the graphql-core
methods the execution context overrides, in `execution`, and nowhere else
(tests/graphql/test_fast_path_fence.py walks app/ and holds that).

Rules for a resolver author (the stock path needs none of them; the fast path
is only right if they hold):

1. A field with no resolver is read with strawberry's `default_resolver`
   (getattr). Do not make such a field's value depend on `info` or the viewer:
   give it a resolver instead (any field with a resolver, or with a field
   extension such as a permission, takes the normal path).
2. A `relay.Node` type that overrides `resolve_id` or `resolve_typename` keeps
   the normal path for its `id`; one that keeps strawberry's defaults gets the
   global ID of (its GraphQL name, `row.<its NodeID attribute>`).
3. A twin (`also_direct`) gets graphql-core's arguments: GraphQL names,
   coerced values, graphql-core's `info` (only `info.context` is the same).
   It must answer exactly what the decorated resolver answers; the simplest
   way is for the resolver to call the twin.
4. Visibility rules live in resolvers or in a type's `is_type_of`, which the
   fast path still calls for every item; never in a plain field.
5. Read loaded rows through `info.context.loaders` (`now_or_later`,
   `load_page`), never a DataLoader's cache directly.

When a strawberry or graphql-core release breaks it: set
NODION_GRAPHQL_FAST_PATH=off and ship (the stock path works on any release the
pins allow), then fix `compat` and `execution`, and run
`scripts/check-upgrades.sh` before widening the pin.
"""

from __future__ import annotations


def execution_context_class() -> type:
    """The fast path's execution context, imported only when it is switched on."""
    from app.graphql.core.fast_path.execution import FastExecutionContext

    return FastExecutionContext
