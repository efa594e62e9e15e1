"""The committed migrations describe the models exactly: a model change without
`tortoise makemigrations` fails here instead of in production."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from app import storage
from app.db import APP_LABEL
from app.projects.models import ProjectMember, Role


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
    """Databases from before 0008 may hold two projects of one user with one
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


async def insert(connection, table: str, columns: dict) -> None:
    """A row as the schema of an older migration has it (the models are newer)."""
    sqlite = connection.capabilities.dialect == "sqlite"
    marks = ", ".join("?" if sqlite else f"${n}" for n in range(1, len(columns) + 1))
    if sqlite:  # stored as Tortoise stores them there
        columns = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in columns.items()}
    await connection.execute_query(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        list(columns.values()),
    )


async def test_upgrading_moves_generated_credentials_into_a_default_token(
    empty_database_url, tmp_path, keys, outbound
):
    """A database of 0006 with generated credentials: after 0009 the same token
    logs in, as the registry's `default` PUSH token whose ciphertext the key
    ring still decrypts and rotate-keys still moves."""
    import httpx
    from tortoise import Tortoise

    from app.main import create_app
    from app.registries.domain import DOMAIN
    from app.registries.models import (
        MOVED_TOKEN_CIPHERTEXT,
        REGISTRY_TOKEN,
        Registry,
        RegistryToken,
        TokenScope,
    )
    from app.security.stored_secrets import reencrypt
    from app.security.tokens import token_digest, token_hint
    from app.settings import Settings
    from tests.registries.test_token_endpoint import get_token

    database_url = empty_database_url
    settings = Settings(data_dir=tmp_path, database_url=database_url)

    EXECUTOR_CACHE.clear()
    await migrate(config=storage.config(database_url), target="nodion.0006_scale_indexes")
    await Tortoise.close_connections()
    await storage.connect(database_url)
    token = REGISTRY_TOKEN.new()
    generated = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    try:
        connection = Tortoise.get_connection("default")
        await connection.execute_script(
            "INSERT INTO projects (id, name, namespace, created_at) "
            "VALUES (7, 'Old', 'old-shop', CURRENT_TIMESTAMP)"
        )
        # Registries of 0006 hold the token themselves, bound to `registry:<id>:token`.
        for registry_id, with_credentials in ((41, True), (42, False)):
            columns = dict(
                id=registry_id,
                project_id=7,
                type="NODION",
                name=f"Nodion {registry_id}",
                hostname="registry.eu-central.nodion.net",
                region="eu-central",
                is_default=registry_id == 41,
            )
            if with_credentials:
                columns |= dict(
                    username="old-shop",
                    token_ciphertext=keys.keyring.encrypt(token, context="registry:41:token"),
                    token_digest=token_digest(token, keys.token_pepper),
                    token_hint=token_hint(token),
                    credentials_created_at=generated,
                    credentials_updated_at=generated,
                )
            await insert(connection, "registries", columns | {"created_at": generated})
        await insert(
            connection,
            "audit_events",
            dict(
                project_id=7,
                actor_email="owner@example.com",
                action="credentials.generated",
                target_type="Registry",
                target_id=41,
                target_name="Nodion 41",
                created_at=generated,
            ),
        )
    finally:
        await storage.disconnect()

    EXECUTOR_CACHE.clear()
    await storage.apply_migrations(database_url)
    await storage.connect(database_url)
    try:
        moved = await RegistryToken.get(registry_id=41)
        assert (moved.id, moved.name, moved.scope, moved.expires_at) == (
            41,
            "default",
            TokenScope.PUSH,
            None,
        )
        assert (moved.created_at, moved.created_by) == (generated, "owner@example.com")
        assert moved.digest == token_digest(token, keys.token_pepper)
        assert moved.ciphertext is None and moved.moved_ciphertext is not None
        assert keys.keyring.decrypt(moved.moved_ciphertext, context="registry:41:token") == token
        assert await RegistryToken.filter(registry_id=42).count() == 0
        registry = await Registry.get(id=41)
        assert (registry.token_digest, registry.token_ciphertext) == (None, None)
        assert registry.has_credentials and registry.token_hint == token[-4:]

        app = create_app(settings, keys, outbound=outbound, manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            assert (await get_token(http, "old-shop", token)).status_code == 200

        # rotate-keys moves the moved ciphertext too, under the binding it had.
        from app.security.crypto import KeyRing, generate_key_entry

        newer = KeyRing.parse(generate_key_entry("newer")).active
        both = dataclasses.replace(keys, keyring=KeyRing([newer, keys.keyring.active]))
        assert (await reencrypt(DOMAIN.encrypted, both)).changed == 1
        await moved.refresh_from_db()
        assert both.keyring.key_id_of(moved.moved_ciphertext) == "newer"
        context = MOVED_TOKEN_CIPHERTEXT.context_of(moved.id)
        assert both.keyring.decrypt(moved.moved_ciphertext, context=context) == token

        # A token made after the move gets an id of its own, above the moved ones.
        from app.accounts.service import create_user

        owner = await create_user("owner@example.com")
        await ProjectMember.create(project_id=7, user_id=owner.id, role=Role.ADMIN)
        from app.registries.access_tokens import create_token

        fresh, _ = await create_token(
            owner,
            41,
            name="ci",
            scope=TokenScope.PULL,
            expires_in=None,
            keys=keys,
            shortest_expiry=300,
        )
        assert fresh.id > moved.id
    finally:
        await storage.disconnect()


async def test_audit_events_keep_their_per_project_indexes_after_0010(tmp_path):
    """0010 rebuilds audit_events on SQLite (a foreign key cannot be altered
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


async def test_the_chain_step_by_step_from_empty_gives_the_template_every_test_copies(
    empty_database_url: str, tmp_path
):
    """Tests get a copy of a template migrated once (tests/databases.py). Here the
    chain runs as an upgrade does, one migration per run from an empty database,
    and must give exactly that template: a migration that fails, or that builds
    something else when applied alone, fails this test, not the shortcut."""
    from tortoise import Tortoise

    from tests import databases
    from tests.conftest import postgres_database

    names = databases.migration_names()
    assert len(names) >= 15
    for name in names:
        EXECUTOR_CACHE.clear()
        try:
            await migrate(config=storage.config(empty_database_url), target=f"nodion.{name}")
        finally:
            await Tortoise.close_connections()
        applied = [
            row[-1] for row in await databases.schema_of(empty_database_url) if row[0] == "applied"
        ]
        assert applied == names[: names.index(name) + 1]
    stepped = await databases.schema_of(empty_database_url)

    if empty_database_url.startswith("sqlite://"):
        template = databases.copy_sqlite_template(
            await databases.sqlite_template(), tmp_path / "template-copy.sqlite3"
        )
        assert await databases.schema_of(template) == stepped
        return
    from tests.conftest import postgres_admin_url

    name = await databases.postgres_template(postgres_admin_url())
    async with postgres_database(name) as template:
        assert await databases.schema_of(template) == stepped


async def test_the_schema_comparison_sees_a_missing_index(database_url: str):
    """What a broken migration leaves behind (here: an index it forgot) changes
    the rows the chain test compares, so the comparison cannot pass vacuously."""
    from tests import databases

    template = await databases.schema_of(database_url)
    # SQLite rows: (type, name, table, sql); PostgreSQL rows: (type, table, name, sql).
    on_sqlite = database_url.startswith("sqlite://")
    indexes = [
        row[1] if on_sqlite else row[2]
        for row in template
        if row[0] == "index" and "UNIQUE" not in str(row[3])
    ]
    assert indexes
    await storage.connect(database_url)
    try:
        from tortoise import Tortoise

        await Tortoise.get_connection("default").execute_script(f'DROP INDEX "{indexes[0]}"')
    finally:
        await storage.disconnect()
    after = await databases.schema_of(database_url)
    assert after != template
    assert len(after) == len(template) - 1
