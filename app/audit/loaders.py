"""Audit events of many projects at once: the requested page of each, optionally
only the events of one action."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from app.audit.models import AuditEvent
from app.graphql.core.loaders import BatchLoad
from app.graphql.core.pagination import Page, load_pages

EventPageKey = tuple[int, Page, str | None]  # project id, page, action (None: every action)


async def load_event_pages(keys: Sequence[EventPageKey]) -> list[list[AuditEvent]]:
    by_action: dict[str | None, list[tuple[int, Page]]] = defaultdict(list)
    for project_id, page, action in keys:
        by_action[action].append((project_id, page))
    found: dict[EventPageKey, list[AuditEvent]] = {}
    for action, pages in by_action.items():
        equal = (("action", action),) if action is not None else ()
        rows = await load_pages(AuditEvent, "project_id", pages, equal=equal)
        for (project_id, page), events in zip(pages, rows, strict=True):
            found[(project_id, page, action)] = events
    return [found[key] for key in keys]


EVENT_PAGES = BatchLoad[EventPageKey, list[AuditEvent]](load_event_pages)
