from __future__ import annotations

from typing import Any

from tortoise.expressions import Q

from app.audit.models import AuditEvent


async def record(
    *,
    project_id: int,
    actor: Any | None,
    action: str,
    target_type: str,
    target_id: int,
    target_name: str,
    detail: str | None = None,
    actor_email: str | None = None,
) -> AuditEvent:
    """Record one event. Callers pass names and ids only, never secret values.
    `actor` is a user; a process without one (a deploy target) passes
    `actor_email` with its own name instead."""
    return await AuditEvent.create(
        project_id=project_id,
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else actor_email,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_name=target_name,
        detail=detail,
    )


async def events_of_namespace(
    namespace: str, live_project_id: int | None, *, limit: int
) -> list[AuditEvent]:
    """Newest first: the events of deleted projects that had `namespace` (each
    kept it when its project went) and of the live project that has it now."""
    found = Q(project_namespace=namespace)
    if live_project_id is not None:
        found |= Q(project_id=live_project_id)
    return await AuditEvent.filter(found).order_by("-id").limit(limit)
