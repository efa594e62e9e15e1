"""Tortoise configuration shared by the app, the CLI and the migrations."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.context import set_global_context
from tortoise.migrations.api import migrate
from tortoise.migrations.executor import MigrationExecutor

APP_LABEL = "nodion"


def _with_sqlite_secure_delete(database_url: str) -> str:
    # SQLite otherwise leaves overwritten rows (old ciphertext) in free pages of
    # the file; secure_delete zeroes them, so overwritten credentials are gone.
    if not database_url.startswith("sqlite://") or "secure_delete" in database_url:
        return database_url
    return database_url + ("&" if "?" in database_url else "?") + "secure_delete=on"


def tortoise_config(database_url: str, model_modules: list[str]) -> dict[str, Any]:
    """`model_modules` come from the domain list (`app.domains.model_modules()`)."""
    return {
        "connections": {"default": _with_sqlite_secure_delete(database_url)},
        "apps": {
            APP_LABEL: {
                "models": model_modules,
                "default_connection": "default",
                "migrations": "app.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def apply_migrations(database_url: str, model_modules: list[str]) -> None:
    """Bring the schema up to date; safe to run on every start."""
    try:
        await migrate(config=tortoise_config(database_url, model_modules))
    finally:
        await Tortoise.close_connections()


async def pending_migrations(database_url: str, model_modules: list[str]) -> list[str]:
    """The migrations not applied yet, found by reading only: `migrate` first
    creates its bookkeeping table if missing, which a read-only database refuses
    even when there is nothing to do."""
    config = tortoise_config(database_url, model_modules)
    await Tortoise.init(config=config)
    try:
        executor = MigrationExecutor(
            Tortoise.get_connection("default"), {APP_LABEL: config["apps"][APP_LABEL]}
        )
        return [step.migration.name for step in await executor.plan()]
    finally:
        await Tortoise.close_connections()


async def connect(database_url: str, model_modules: list[str]) -> None:
    # Tortoise keeps its state in a context variable; requests run in other tasks
    # than the lifespan that initialised it, so the context is made the global
    # fallback they all see (closing the connections clears it again).
    context = await Tortoise.init(config=tortoise_config(database_url, model_modules))
    set_global_context(context)


async def disconnect() -> None:
    await Tortoise.close_connections()
