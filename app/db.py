"""Tortoise configuration shared by the app, the CLI and the migrations."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate

APP_LABEL = "nodion"
MODEL_MODULES = [
    "app.accounts.models",
    "app.projects.models",
    "app.registries.models",
    "app.audit.models",
]


def _with_sqlite_secure_delete(database_url: str) -> str:
    # SQLite otherwise leaves overwritten rows (old ciphertext) in free pages of
    # the file; secure_delete zeroes them, so overwritten credentials are gone.
    if not database_url.startswith("sqlite://") or "secure_delete" in database_url:
        return database_url
    return database_url + ("&" if "?" in database_url else "?") + "secure_delete=on"


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _with_sqlite_secure_delete(database_url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "app.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _cli_config() -> dict[str, Any]:
    from app.settings import Settings

    return tortoise_config(Settings().resolved_database_url)


# Read by the `tortoise` command (see [tool.tortoise] in pyproject.toml), so
# `tortoise makemigrations` works against the configured database.
TORTOISE_ORM = _cli_config()


async def apply_migrations(database_url: str) -> None:
    """Bring the schema up to date; safe to run on every start."""
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def connect(database_url: str) -> None:
    # The global fallback lets requests, which run in other tasks than the
    # lifespan that initialised Tortoise, see the same connections.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def disconnect() -> None:
    await Tortoise.close_connections()
