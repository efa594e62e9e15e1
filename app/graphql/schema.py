"""Assembles the domain parts into one schema with its guard rails."""

from __future__ import annotations

import logging
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.relay import GlobalID, GlobalIDValueError
from strawberry.tools import merge_types
from strawberry.types import Info

from app.accounts.graphql import UserNode
from app.graphql.permissions import AUTHENTICATED
from app.projects.graphql import ProjectMutations, ProjectNode, ProjectQueries
from app.registries.graphql import RegistryMutations, RegistryNode, RegistryQueries
from app.request_id import current_request_id

log = logging.getLogger(__name__)

NODE_TYPES: dict[str, type[relay.Node]] = {
    "Project": ProjectNode,
    "Registry": RegistryNode,
    "User": UserNode,
}
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 5000
CACHE_SIZE = 256
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
        return node


Query = merge_types("Query", (CoreQueries, ProjectQueries, RegistryQueries))
Mutation = merge_types("Mutation", (ProjectMutations, RegistryMutations))


def _is_unexpected(error: GraphQLError) -> bool:
    """Errors raised on purpose (GraphQLError, e.g. a failed permission check) are
    shown as they are; anything else is a bug or a fault and is masked."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error(
        "Unexpected error in %s (request %s): %s",
        ".".join(str(part) for part in error.path or []),
        current_request_id(),
        type(original).__name__,
        exc_info=original,
    )
    return True


def _ignore_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=list(NODE_TYPES.values()),
        # Factories, so each request gets fresh extension state; the parse and
        # validation caches are module-level LRUs shared across requests.
        extensions=[
            partial(QueryDepthLimiter, max_depth=MAX_DEPTH, should_ignore=_ignore_introspection),
            partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
            partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
            partial(ParserCache, maxsize=CACHE_SIZE),
            partial(ValidationCache, maxsize=CACHE_SIZE),
            partial(MaskErrors, should_mask_error=_is_unexpected, error_message=UNEXPECTED_ERROR),
        ],
    )


schema = build_schema()
