from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

UNAUTHENTICATED = {"code": "UNAUTHENTICATED"}
REJECTED_CREDENTIALS = (
    "The API token was not accepted: it is unknown, revoked or mistyped. "
    "Check it, or ask an operator for a new one (`nodion admin create-token EMAIL`)."
)


class IsAuthenticated(BasePermission):
    message = "Authentication required: send `Authorization: Bearer <API token>`."
    error_extensions = UNAUTHENTICATED

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if info.context.viewer is not None:
            return True
        # Credentials were sent but matched no one: say so, rather than asking
        # for them, so a user does not hunt for a header that is there.
        if info.context.request.headers.get("authorization", "").strip():
            raise GraphQLError(REJECTED_CREDENTIALS, extensions=UNAUTHENTICATED)
        return False


AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
