from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.audit import models
from app.audit.loaders import EVENT_PAGES
from app.audit.models import ACTION_MAX_LENGTH
from app.graphql.core.errors import PublicGraphQLError
from app.graphql.core.ids import encode_id
from app.graphql.core.pagination import Page, to_connection


@strawberry.type(name="AuditEvent", description="Who did what to which object, and when.")
class AuditEvent:
    action: str = strawberry.field(
        description="e.g. registry.added, credentials.generated, credentials.disclosed"
    )
    actor_email: str | None = strawberry.field(
        description="The user, or `deploy-target:<name>` for a deploy target."
    )
    target_type: str
    target_id: strawberry.ID = strawberry.field(description="Global ID of the target.")
    target_name: str
    detail: str | None = strawberry.field(description="e.g. the status of a verification")
    created_at: datetime

    @classmethod
    def from_model(cls, event: models.AuditEvent) -> AuditEvent:
        return cls(
            action=event.action,
            actor_email=event.actor_email,
            target_type=event.target_type,
            target_id=strawberry.ID(encode_id(event.target_type, event.target_id)),
            target_name=event.target_name,
            detail=event.detail,
            created_at=event.created_at,
        )


@strawberry.type
class AuditProjectFields:
    """What the audit domain adds to `Project` (resolved on `Project` rows)."""

    if TYPE_CHECKING:
        id: int

    @strawberry.field(description="What happened in this project, newest first.")
    async def audit_events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        action: Annotated[
            str | None,
            strawberry.argument(description="Only events of this action, e.g. registry.added."),
        ] = None,
    ) -> relay.Connection[AuditEvent]:  # type: ignore[type-var]  # stub binds it to Node; any type works
        page = Page.of(first, after)
        if action is not None and len(action) > ACTION_MAX_LENGTH:
            raise PublicGraphQLError(
                f"`action` is at most {ACTION_MAX_LENGTH} characters.", "BAD_USER_INPUT"
            )
        rows = await info.context.loaders[EVENT_PAGES].load((self.id, page, action))
        return to_connection(rows, page, AuditEvent.from_model)
