"""Assembles the domains' parts into one schema with its guard rails."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule
from strawberry.relay import GlobalID, GlobalIDValueError
from strawberry.tools import merge_types
from strawberry.types import Info
from tortoise.models import Model

from app.accounts.graphql import UserNode
from app.api.project import Project
from app.domains import DOMAINS
from app.graphql.core.document_cache import DocumentCache
from app.graphql.core.errors import registered_error_types
from app.graphql.core.guards import OperationGuards
from app.graphql.core.introspection import AnonymousIntrospectionGuard
from app.graphql.core.logging_schema import LoggingSchema
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.plain_fields import PlainLeavesRead
from app.outage import is_database_unavailable

NODE_TYPES: dict[str, type[relay.Node]] = {
    node_type.__strawberry_definition__.name: node_type  # type: ignore[attr-defined]
    for node_type in [Project, *(t for d in DOMAINS for t in d.node_types)]
}
NEVER_AWAITABLE = frozenset({type(None), bool, int, float, str, list, dict})
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 5000
UNEXPECTED_ERROR = "Unexpected error. Quote the X-Request-ID response header when reporting it."


@strawberry.type
class CoreQueries:
    @strawberry.field(permission_classes=AUTHENTICATED, description="The signed-in user.")
    def viewer(self, info: Info) -> UserNode:
        return UserNode.from_model(info.context.user)

    @strawberry.field(permission_classes=AUTHENTICATED, description="Any object by global ID.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        try:
            global_id = GlobalID.from_id(id)
        except GlobalIDValueError:
            return None
        node_type = NODE_TYPES.get(global_id.type_name)
        if node_type is None:
            return None
        [node] = await node_type.resolve_nodes(info=info, node_ids=[global_id.node_id])
        return node  # type: ignore[no-any-return]


Query = merge_types("Query", (CoreQueries, *(d.query for d in DOMAINS if d.query)))
Mutation = merge_types("Mutation", tuple(d.mutation for d in DOMAINS if d.mutation))


def _is_unexpected(error: GraphQLError) -> bool:
    """Errors raised on purpose (GraphQLError, e.g. a failed permission check) are
    shown as they are; anything else is a bug or a fault and is masked (it is
    logged by LoggingSchema.process_errors). A database outage is left for the
    view to answer 503 SERVICE_UNAVAILABLE."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not is_database_unavailable(original)


def _ignore_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


# The limits' validation rules are classes made once here. QueryDepthLimiter and
# MaxAliasesLimiter make new ones each time they are constructed, i.e. on every
# request, and ValidationCache keys its LRU by the rule classes: it never hit.
VALIDATION_RULES = [
    max_depth_rule(MAX_DEPTH, _ignore_introspection),
    max_aliases_rule(MAX_ALIASES),
]


def _is_awaitable_not_row(value: Any) -> bool:
    # One call per check (graphql-core makes several per field): values of the
    # common types first, as strawberry's own check does.
    if type(value) in NEVER_AWAITABLE:
        return False
    return optimized_is_awaitable(value) and not isinstance(value, Model)


class RowsAreValues(PlainLeavesRead):
    """Resolvers here return ORM rows as results, and a Tortoise model instance is
    awaitable (`await row` gives the row back). graphql-core awaited every one, a
    coroutine and a task per row of a list; a row is a plain value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = _is_awaitable_not_row


def build_schema() -> LoggingSchema:
    return LoggingSchema(
        execution_context_class=RowsAreValues,
        query=Query,
        mutation=Mutation,
        # Every node type, and every error type a domain registered (so a union
        # that forgets one still leaves it in the schema, and tests can find it).
        types=[
            *NODE_TYPES.values(),
            *registered_error_types().values(),
            *(t for d in DOMAINS for t in d.extra_types),
        ],
        # Factories, so each request gets fresh extension state; the document
        # cache is a module-level LRU bounded by bytes, shared across requests.
        extensions=[
            AnonymousIntrospectionGuard,
            partial(AddValidationRules, VALIDATION_RULES),
            partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
            DocumentCache,
            OperationGuards,
            partial(MaskErrors, should_mask_error=_is_unexpected, error_message=UNEXPECTED_ERROR),
        ],
    )


schema = build_schema()
