"""Audit retention: delete the events older than NODION_AUDIT_RETENTION_DAYS.

Deleting a year of a busy project's events in one statement would hold its locks
(on SQLite: the whole database's write lock) for as long as it runs. So pruning
goes in small batches, each its own short statement: the oldest `batch_size`
events by id; those older than the cutoff go, and the first younger one ends the
walk. Ids grow with time (as `created_at` does, see app/graphql/core/pagination.py),
so reading by id needs no index on `created_at` and never reads past the cutoff:
a prune with nothing to do reads one batch.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.audit.models import AuditEvent
from app.audit.settings import AuditSettings
from app.domain import PeriodicTask, Running
from app.settings import Settings

BATCH_SIZE = 1_000
PRUNE_EVERY = timedelta(hours=1)
log = logging.getLogger("nodion.audit")


@dataclass(frozen=True)
class Pruned:
    events: int
    cutoff: datetime


def cutoff_for(retention_days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=retention_days)


async def prune_audit_events(
    retention_days: int,
    *,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    now: datetime | None = None,
    pause: float = 0.0,
) -> Pruned:
    """Delete (or with `dry_run` only count) the events older than the cutoff,
    `batch_size` at a time; `pause` seconds between batches leave the database
    to other work."""
    cutoff = cutoff_for(retention_days, now)
    pruned = 0
    after = 0  # a dry run walks on by id; a real one deletes what it walked
    while True:
        batch = (
            await AuditEvent.filter(id__gt=after)
            .order_by("id")
            .limit(batch_size)
            .values_list("id", "created_at")
        )
        old = [row_id for row_id, created_at in batch if created_at < cutoff]
        if old and not dry_run:
            await AuditEvent.filter(id__in=old).delete()
        pruned += len(old)
        if len(old) < batch_size:  # a younger event, or the end of the table
            return Pruned(pruned, cutoff)
        after = old[-1] if dry_run else 0
        if pause:
            await asyncio.sleep(pause)


def _every(settings: Settings) -> float | None:
    return PRUNE_EVERY.total_seconds() if AuditSettings.of(settings).audit_retention_days else None


async def _prune(running: Running) -> None:
    retention_days = AuditSettings.of(running.settings).audit_retention_days
    if retention_days is None:
        return
    pruned = await prune_audit_events(retention_days, pause=0.01)
    if pruned.events:
        log.info(
            "pruned %d audit events older than %s (NODION_AUDIT_RETENTION_DAYS=%d)",
            pruned.events,
            pruned.cutoff.isoformat(timespec="seconds"),
            retention_days,
        )


# What `nodion serve` runs while a retention is set: a prune at start, then hourly.
AUDIT_PRUNING = PeriodicTask("audit-pruning", every=_every, run=_prune, at_start=True)
