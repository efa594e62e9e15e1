"""The committed migrations describe the models exactly: a model change without
`tortoise makemigrations` fails here instead of in production."""

from __future__ import annotations

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from app import storage
from app.db import APP_LABEL


async def test_models_and_migrations_agree(tmp_path):
    config = storage.config(f"sqlite://{tmp_path / 'unused.sqlite3'}")
    async with TortoiseContext() as context:
        await context.init(config=config)
        detector = MigrationAutodetector(context.apps, config["apps"])
        pending = await detector.changes()

    assert [writer.app_label for writer in pending] == [], (
        f"models of {APP_LABEL!r} changed without a migration: run `tortoise makemigrations`"
    )


async def test_migrations_apply_to_an_empty_database_and_again(tmp_path):
    url = f"sqlite://{tmp_path / 'fresh.sqlite3'}"
    await storage.apply_migrations(url)
    await storage.apply_migrations(url)  # idempotent: nothing left to apply
    await storage.connect(url)
    try:
        from tortoise import Tortoise

        tables = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
        )
    finally:
        await storage.disconnect()
    assert {"users", "api_tokens", "projects", "project_members", "registries", "audit_events"} <= {
        t["name"] for t in tables
    }


async def test_audit_events_keep_their_per_project_indexes_after_0008(tmp_path):
    """0008 rebuilds audit_events on SQLite (a foreign key cannot be altered
    there); the dashboard's per-project audit list must still use its index."""
    url = f"sqlite://{tmp_path / 'fresh.sqlite3'}"
    await storage.apply_migrations(url)
    await storage.connect(url)
    try:
        from tortoise import Tortoise

        connection = Tortoise.get_connection("default")
        plans = [
            await connection.execute_query_dict(f"EXPLAIN QUERY PLAN {query}")
            for query in (
                "SELECT * FROM audit_events WHERE project_id = 1 ORDER BY id DESC LIMIT 10",
                "SELECT * FROM audit_events WHERE project_id = 1 AND action = 'x' "
                "ORDER BY id DESC LIMIT 10",
                "SELECT * FROM audit_events WHERE project_namespace = 'x' ORDER BY id DESC",
            )
        ]
    finally:
        await storage.disconnect()
    for plan in plans:
        details = " ".join(row["detail"] for row in plan)
        assert "USING INDEX idx_audit_event_project_" in details, details
        assert "TEMP B-TREE" not in details, details
