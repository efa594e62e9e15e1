from __future__ import annotations

from app.accounts.models import User
from app.audit.models import AuditEvent


async def record(
    *,
    project_id: int,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int,
    target_name: str,
    detail: str | None = None,
) -> AuditEvent:
    """Record one event. Callers pass names and ids only, never secret values."""
    return await AuditEvent.create(
        project_id=project_id,
        actor=actor,
        actor_email=actor.email if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_name=target_name,
        detail=detail,
    )
