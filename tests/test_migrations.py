"""The committed migrations describe the models exactly: a model change without
`tortoise makemigrations` fails here instead of in production."""

from __future__ import annotations

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from app.db import APP_LABEL, tortoise_config


async def test_models_and_migrations_agree(tmp_path):
    config = tortoise_config(f"sqlite://{tmp_path / 'unused.sqlite3'}")
    async with TortoiseContext() as context:
        await context.init(config=config)
        detector = MigrationAutodetector(context.apps, config["apps"])
        pending = await detector.changes()

    assert [writer.app_label for writer in pending] == [], (
        f"models of {APP_LABEL!r} changed without a migration: run `tortoise makemigrations`"
    )


async def test_migrations_apply_to_an_empty_database_and_again(tmp_path):
    from app import db

    url = f"sqlite://{tmp_path / 'fresh.sqlite3'}"
    await db.apply_migrations(url)
    await db.apply_migrations(url)  # idempotent: nothing left to apply
    await db.connect(url)
    try:
        from tortoise import Tortoise

        tables = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
        )
    finally:
        await db.disconnect()
    assert {"users", "api_tokens", "projects", "project_members", "registries", "audit_events"} <= {
        t["name"] for t in tables
    }
