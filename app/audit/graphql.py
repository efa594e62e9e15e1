from __future__ import annotations

from datetime import datetime

import strawberry

from app.audit.models import AuditEvent
from app.graphql.ids import encode_id


@strawberry.type(name="AuditEvent", description="Who did what to which object, and when.")
class AuditEventNode:
    action: str = strawberry.field(description="e.g. registry.added, credentials.generated")
    actor_email: str | None
    target_type: str
    target_id: strawberry.ID = strawberry.field(description="Global ID of the target.")
    target_name: str
    detail: str | None = strawberry.field(description="e.g. the status of a verification")
    created_at: datetime

    @classmethod
    def from_model(cls, event: AuditEvent) -> AuditEventNode:
        return cls(
            action=event.action,
            actor_email=event.actor_email,
            target_type=event.target_type,
            target_id=strawberry.ID(encode_id(event.target_type, event.target_id)),
            target_name=event.target_name,
            detail=event.detail,
            created_at=event.created_at,
        )
