"""The namespaces of deleted projects, held back from new projects for a while.

Registries may still hold a deleted project's images under `<namespace>/`, and
clients may still pull by that name: a new project that got the namespace at
once would inherit them (and their pullers). After `QUARANTINE` the namespace
is free again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.projects.models import NamespaceQuarantine

QUARANTINE = timedelta(days=30)


async def namespace_in_quarantine(namespace: str, now: datetime | None = None) -> bool:
    since = (now or datetime.now(UTC)) - QUARANTINE
    return await NamespaceQuarantine.exists(namespace=namespace, deleted_at__gt=since)


async def quarantine_namespace(namespace: str, now: datetime | None = None) -> None:
    """Inside the deletion's transaction: the namespace is held back from the
    moment the project is gone. A namespace deleted twice counts from the last time."""
    deleted_at = now or datetime.now(UTC)
    updated = await NamespaceQuarantine.filter(namespace=namespace).update(deleted_at=deleted_at)
    if not updated:
        await NamespaceQuarantine.create(namespace=namespace, deleted_at=deleted_at)
