"""NODION_AUDIT_RETENTION_DAYS: old audit events go, in small batches; the
young ones, and everything when no retention is set, stay."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.audit.models import AuditEvent
from app.audit.retention import prune_audit_events
from app.projects.models import Project
from tests.servers import run_cli

NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def events_aged(days: list[int]) -> Project:
    """One event per entry, that many days before NOW, oldest first (as ids grow)."""
    project = await Project.create(name="p", namespace="p")
    for age in days:
        event = await AuditEvent.create(
            project=project,
            action="registry.added",
            target_type="Registry",
            target_id=1,
            target_name="r",
        )
        await AuditEvent.filter(id=event.id).update(created_at=NOW - timedelta(days=age))
    return project


async def test_prune_deletes_only_events_older_than_the_retention_in_batches(database):
    await events_aged([400, 300, 200, 91, 89, 10, 0])

    counted = await prune_audit_events(90, batch_size=2, dry_run=True, now=NOW)
    assert counted.events == 4
    assert await AuditEvent.all().count() == 7  # a dry run deletes nothing

    pruned = await prune_audit_events(90, batch_size=2, now=NOW)
    again = await prune_audit_events(90, batch_size=2, now=NOW)

    assert (pruned.events, again.events) == (4, 0)
    left = await AuditEvent.all().order_by("id").values_list("created_at", flat=True)
    assert [(NOW - created).days for created in left] == [89, 10, 0]


async def test_prune_of_an_empty_table_or_a_young_one_deletes_nothing(database):
    assert (await prune_audit_events(1, now=NOW)).events == 0
    await events_aged([0, 0])
    assert (await prune_audit_events(1, now=NOW)).events == 0
    assert await AuditEvent.all().count() == 2


def test_admin_prune_audit_needs_a_retention_and_then_prunes(tmp_path: Path):
    database = tmp_path / "nodion.sqlite3"
    env = {
        **os.environ,
        "NODION_DATA_DIR": str(tmp_path / "data"),
        "NODION_DATABASE_URL": f"sqlite://{database}",
    }
    env.pop("NODION_AUDIT_RETENTION_DAYS", None)

    unset = run_cli(env, "admin", "prune-audit")  # also migrates the new database
    assert unset.returncode != 0
    assert "kept forever" in unset.stderr and "NODION_AUDIT_RETENTION_DAYS" in unset.stderr

    old = (datetime.now(UTC) - timedelta(days=40)).isoformat(sep=" ")
    young = datetime.now(UTC).isoformat(sep=" ")
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO projects (id, name, namespace, created_at) VALUES (1, 'p', 'p', ?)",
            (young,),
        )
        connection.executemany(
            "INSERT INTO audit_events (project_id, action, target_type, target_id, target_name, "
            "created_at) VALUES (1, 'registry.added', 'Registry', 1, 'r', ?)",
            [(old,), (old,), (young,)],
        )
    env["NODION_AUDIT_RETENTION_DAYS"] = "30"

    dry = run_cli(env, "admin", "prune-audit", "--dry-run")
    real = run_cli(env, "admin", "prune-audit")

    assert dry.returncode == 0 and "Would delete 2 audit events older than 30 days" in dry.stdout
    assert real.returncode == 0 and "Deleted 2 audit events older than 30 days" in real.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT COUNT(*) FROM audit_events").fetchone() == (1,)
