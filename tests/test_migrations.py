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


async def test_unique_names_migration_keeps_old_duplicates(tmp_path):
    """Databases from before 0007 may hold two projects of one user with one
    name, and one registry twice: the migration must still build its unique
    indexes. The first row keeps the plain key, later ones get `#<id>`; no row
    is renamed or removed."""
    import sqlite3

    from tortoise import Tortoise
    from tortoise.migrations.api import migrate

    from app import db

    path = tmp_path / "old.sqlite3"
    url = f"sqlite://{path}"
    config = db.tortoise_config(url, storage.model_modules())
    await migrate(config=config, target="nodion.0006_scale_indexes")
    await Tortoise.close_connections()
    now = "2026-01-01 00:00:00"
    with sqlite3.connect(path) as old:
        old.execute(
            "INSERT INTO users (id, email, created_at) VALUES (1, 'a@example.com', ?)", [now]
        )
        for project_id, name in [(1, "Shop"), (2, "SHOP"), (3, "Blog")]:
            old.execute(
                "INSERT INTO projects (id, name, namespace, created_at) VALUES (?, ?, ?, ?)",
                [project_id, name, f"ns-{project_id}", now],
            )
            old.execute(
                "INSERT INTO project_members (role, created_at, project_id, user_id)"
                " VALUES ('ADMIN', ?, ?, 1)",
                [now, project_id],
            )
        for _ in range(2):
            old.execute(
                "INSERT INTO registries (type, name, hostname, is_default, created_at, project_id)"
                " VALUES ('DOCKER_HUB', 'Docker Hub (docker.io)', 'docker.io', 0, ?, 1)",
                [now],
            )

    await storage.apply_migrations(url)

    with sqlite3.connect(path) as new:
        projects = new.execute("SELECT id, name, owner_id, name_key FROM projects ORDER BY id")
        assert projects.fetchall() == [
            (1, "Shop", 1, "shop"),
            (2, "SHOP", 1, "shop#2"),
            (3, "Blog", 1, "blog"),
        ]
        identities = new.execute("SELECT identity FROM registries ORDER BY id").fetchall()
        assert identities == [("DOCKER_HUB docker.io",), ("DOCKER_HUB docker.io#2",)]
