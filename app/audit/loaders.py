"""Audit events of many projects at once: the requested page of each."""

from __future__ import annotations

from collections.abc import Sequence

from app.audit.models import AuditEvent
from app.graphql.core.loaders import BatchLoad
from app.graphql.core.pagination import Page, load_pages


async def load_event_pages(keys: Sequence[tuple[int, Page]]) -> list[list[AuditEvent]]:
    return await load_pages(AuditEvent, "project_id", keys)


EVENT_PAGES = BatchLoad[tuple[int, Page], list[AuditEvent]](load_event_pages)
