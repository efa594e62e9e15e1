"""Fresh databases for tests without replaying the migrations for each one.

Replaying the 15 migrations cost 1.1 to 1.4 s of CPU per test (90 % of it Tortoise
rebuilding its migration state, not SQL), for about a thousand tests. Instead the
chain runs once per database kind into a template, and each test gets a copy:

- SQLite: the template is a file in the run's shared folder; a test copies it.
- PostgreSQL: the template is a database, `nodion_template_<hash of the
  migrations>`; a test gets `CREATE DATABASE … TEMPLATE …`, a byte-for-byte
  copy made by the server. A copy rather than rolled-back transactions, because
  the code under test commits, opens its own connections (served processes,
  LISTEN/NOTIFY, SKIP LOCKED claims) and asserts what other connections see.

Either way a test sees exactly the database a fresh migration would give it
(tests/test_migrations.py replays the chain step by step and compares). Every
migration from empty made here is written to the run's log, and the session
fails if a kind was migrated more than once (tests/conftest.py), so the cost
cannot creep back. Parallel workers (pytest-xdist) share one template per kind:
the first to need it builds it under a lock, the others wait and copy.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app import storage

RUN_DIR_VARIABLE = "NODION_TEST_RUN_DIR"
MIGRATIONS_LOG = "migrations-from-empty.log"
MIGRATIONS = Path(storage.__file__).parent / "migrations"
# One number for the advisory lock that serialises building the PostgreSQL template.
TEMPLATE_LOCK = 0x6E6F64696F6E


def run_dir() -> Path:
    """The folder every worker of this pytest run shares (made in pytest_configure)."""
    return Path(os.environ[RUN_DIR_VARIABLE])


def migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def record_migration_from_empty(kind: str) -> None:
    with (run_dir() / MIGRATIONS_LOG).open("a") as log:
        log.write(f"{kind} {os.getpid()}\n")


def migrations_from_empty(folder: Path) -> dict[str, int]:
    """How often each database kind was migrated from empty in this run."""
    counts: dict[str, int] = {}
    log = folder / MIGRATIONS_LOG
    if log.exists():
        for line in log.read_text().splitlines():
            kind = line.split()[0]
            counts[kind] = counts.get(kind, 0) + 1
    return counts


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def sqlite_template() -> Path:
    """The migrated SQLite file of this run, built by the first worker to ask."""
    template = run_dir() / "template.sqlite3"
    with file_lock(run_dir() / "template.sqlite3.lock"):
        if not template.exists():
            building = template.with_suffix(".building")
            building.unlink(missing_ok=True)
            await storage.apply_migrations(f"sqlite://{building}")
            record_migration_from_empty("sqlite")
            building.rename(template)
    return template


def copy_sqlite_template(template: Path, destination: Path) -> str:
    # The template is closed once built, so a file copy is a consistent database.
    shutil.copyfile(template, destination)
    return f"sqlite://{destination}"


def with_database(admin_url: str, name: str) -> str:
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


async def postgres_template(admin_url: str) -> str:
    """The name of the migrated template database, built once per version of the
    migrations. It is renamed into place only when complete, so an interrupted
    build is never used, and a cluster kept between runs reuses it."""
    import asyncpg

    name = f"nodion_template_{migrations_digest()}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", TEMPLATE_LOCK)
        try:
            exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                for (old,) in await admin.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'nodion\\_template\\_%'"
                ):
                    await admin.execute(f'DROP DATABASE "{old}" WITH (FORCE)')
                building = f"{name}_building"
                await admin.execute(f'CREATE DATABASE "{building}"')
                await storage.apply_migrations(with_database(admin_url, building))
                record_migration_from_empty("postgres")
                await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await admin.execute("SELECT pg_advisory_unlock($1)", TEMPLATE_LOCK)
    finally:
        await admin.close()
    return name


def new_postgres_name() -> str:
    return f"nodion_test_{uuid.uuid4().hex[:12]}"


async def schema_of(url: str) -> list[tuple[object, ...]]:
    """Everything a migration defines, as comparable rows: tables, columns and
    their types, defaults and nullability, indexes, constraints, and the list of
    applied migrations (without the times they were applied)."""
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://").split("?")[0]
        import sqlite3

        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
            ).fetchall()
            applied = connection.execute(
                "SELECT app, name FROM tortoise_migrations ORDER BY app, name"
            ).fetchall()
        connection.close()
        return [*rows, *(("applied", *row) for row in applied)]
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        queries = (
            "SELECT 'column', table_name, column_name, data_type, column_default,"
            " is_nullable, character_maximum_length FROM information_schema.columns"
            " WHERE table_schema = 'public' ORDER BY table_name, column_name",
            "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = 'public' ORDER BY tablename, indexname",
            "SELECT 'constraint', conrelid::regclass::text, conname,"
            " pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace ORDER BY 2, 3",
            "SELECT 'sequence', sequence_name, data_type FROM information_schema.sequences"
            " WHERE sequence_schema = 'public' ORDER BY sequence_name",
            "SELECT 'applied', app, name FROM tortoise_migrations ORDER BY app, name",
        )
        rows: list[tuple[object, ...]] = []
        for query in queries:
            rows.extend(tuple(record) for record in await connection.fetch(query))
        return rows
    finally:
        await connection.close()


def migration_names() -> list[str]:
    return sorted(path.stem for path in MIGRATIONS.glob("0*.py"))
