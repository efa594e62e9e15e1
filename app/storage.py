"""The app's database: the shared Tortoise set-up (app.db) with the models of
every domain in `app.domains`."""

from __future__ import annotations

from typing import Any

from app import db
from app.domains import model_modules


def config(database_url: str) -> dict[str, Any]:
    return db.tortoise_config(database_url, model_modules())


async def apply_migrations(database_url: str) -> None:
    await db.apply_migrations(database_url, model_modules())


async def pending_migrations(database_url: str) -> list[str]:
    return await db.pending_migrations(database_url, model_modules())


async def connect(database_url: str) -> None:
    await db.connect(database_url, model_modules())


async def disconnect() -> None:
    await db.disconnect()
