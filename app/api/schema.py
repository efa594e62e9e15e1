"""Assembles the domains' parts into one schema with its guard rails."""

from __future__ import annotations

import inspect
from functools import cache, partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import MaskErrors, MaxTokensLimiter, SchemaExtension
from strawberry.relay import GlobalID, GlobalIDValueError
from strawberry.tools import merge_types
from strawberry.types import Info, get_object_definition

from app.accounts.graphql import UserNode
from app.api.project import Project
from app.domains import DOMAINS
from app.graphql.core import fast_path
from app.graphql.core.document_cache import DocumentCache
from app.graphql.core.errors import registered_error_types
from app.graphql.core.guards import OperationGuards
from app.graphql.core.introspection import AnonymousIntrospectionGuard
from app.graphql.core.limits import limits_extension
from app.graphql.core.logging_schema import LoggingSchema
from app.graphql.core.permissions import AUTHENTICATED
from app.outage import is_database_unavailable

NODE_TYPES: dict[str, type[relay.Node]] = {
    get_object_definition(node_type, strict=True).name: node_type
    for node_type in [Project, *(t for d in DOMAINS for t in d.node_types)]
}
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
        nodes = node_type.resolve_nodes(info=info, node_ids=[global_id.node_id])
        [node] = await nodes if inspect.isawaitable(nodes) else nodes
        return node


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


@cache
def build_schema(fast_path_on: bool = True) -> LoggingSchema:
    """The schema, executed by the fast path's execution context or strawberry's own."""
    extensions: list[type[SchemaExtension] | Any] = [
        AnonymousIntrospectionGuard,
        limits_extension(),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        DocumentCache,
        OperationGuards,
        partial(MaskErrors, should_mask_error=_is_unexpected, error_message=UNEXPECTED_ERROR),
    ]
    return LoggingSchema(
        execution_context_class=fast_path.execution_context_class() if fast_path_on else None,
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
        extensions=extensions,
    )


def __getattr__(name: str) -> Any:
    # `schema`: the schema as served by default (fast path on; its SDL is the same
    # either way). Built on first access, so a service started with the fast path
    # off never imports it.
    if name == "schema":
        return build_schema(True)
    raise AttributeError(name)
