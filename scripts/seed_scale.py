#!/usr/bin/env python3
"""Fill a throwaway database with a year of a busy installation, fast.

Rows go in with COPY on PostgreSQL (asyncpg's copy_records_to_table) and with
executemany in one transaction on SQLite, never through the API: the point is a
big database in minutes. The shapes are the ones the app writes: each NODION
registry has a `default` access token (registry_tokens) encrypted under the
configured key ring (associated data `registry_token:<id>:token`) with its
peppered digest, API and deploy-target
tokens are stored as digests, audit events and deployments grow with time
(ids and `created_at` rise together, as the app writes them).

The keys come from the environment, as for `nodion serve` (NODION_ENCRYPTION_KEYS,
NODION_TOKEN_PEPPER, or the development keys in NODION_DATA_DIR), so a service
started with the same environment reads what this wrote.

    NODION_DATABASE_URL=postgres://… .venv/bin/python scripts/seed_scale.py --handles h.json
    .venv/bin/python scripts/seed_scale.py --database-url sqlite:///tmp/big.sqlite3 --scale 0.1

Defaults are issue 24's year: 10,000 users, 20,000 projects (one user in 200 of
them), 60,000 registries, 50,000 applications, 1,000,000 deployments (2,000
PENDING over the regions), 5,000,000 audit events, and an images index of
200,000 repositories (each in one region's store) with 2,000,000 tags; project 1
holds 1,000,000 of the events, 2,000 of the repositories (one of them with
20,000 tags, among the newest) and its first application 200,000 of the
deployments. `--scale` multiplies every count except the 200 projects and the
2,000 PENDING.

`--handles FILE` writes what a benchmark needs to reach the big rows: an API
token of the 200-project user, registry credentials of project 1, a deploy-target
token, the cursor 500 deep into the big application's deployments. Those are
secrets of a throwaway database; the file is written with mode 0600.
Not a test; it prints how long seeding took.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import storage
from app.accounts.models import API_TOKEN
from app.applications.models import DEPLOY_TARGET_TOKEN
from app.registries.images.stats import REFRESH as REFRESH_REPOSITORY_STATS
from app.registries.models import REGISTRY_TOKEN
from app.security.keys import ServiceKeys, load_keys
from app.security.tokens import token_digest, token_hint
from app.settings import Settings

HEAVY_USER_EMAIL = "scale-owner@nodion.example"
YEAR = timedelta(days=365)
# Of every 1,000 audit events, what a busy project writes: deploys dominate; the
# filtered-list benchmark asks for a rare action (registry.added).
ACTION_MIX = (
    ("deployment.created", 400),
    ("deployment.claimed", 200),
    ("deployment.succeeded", 180),
    ("deployment.failed", 20),
    ("credentials.disclosed", 190),
    ("application.updated", 6),
    ("registry.added", 3),
    ("credentials.generated", 1),
)
RARE_ACTION = "registry.added"
ACTIONS = [action for action, weight in ACTION_MIX for _ in range(weight)]
CHUNK = 20_000
# What distribution's notifications name (app/registries/images/notifications.py).
MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


@dataclass(frozen=True)
class Sizes:
    users: int = 10_000
    projects: int = 20_000
    registries: int = 60_000
    applications: int = 50_000
    deployments: int = 1_000_000
    pending: int = 2_000
    audit_events: int = 5_000_000
    heavy_user_projects: int = 200
    big_project_events: int = 1_000_000
    big_app_deployments: int = 200_000
    image_repositories: int = 200_000
    image_tags: int = 2_000_000
    big_project_repositories: int = 2_000
    big_repository_tags: int = 20_000

    def scaled(self, factor: float) -> Sizes:
        """Every count times `factor`, except the 200 projects of the heavy user
        and the PENDING deployments (what the benchmarked pages and claim see)."""
        keep = {"heavy_user_projects", "pending"}
        changed = {
            f.name: max(1, round(getattr(self, f.name) * factor))
            for f in fields(self)
            if f.name not in keep
        }
        return replace(self, **changed)

    @classmethod
    def near_empty(cls) -> Sizes:
        """The same pages with just enough rows to fill them: 200 projects for
        the list, 520 deployments for a page 500 deep, a few events."""
        return cls(
            users=2,
            projects=200,
            registries=600,
            applications=3,
            deployments=2_000 + 600,
            pending=2_000,
            audit_events=400,
            heavy_user_projects=200,
            big_project_events=300,
            big_app_deployments=600,
            # The images tab's page: 100 repositories (+ 1 for "has next"), one
            # with a full page of tags, the others with about the ten each that
            # the big database's newest ones have.
            image_repositories=101,
            image_tags=101 + 100 * 10,
            big_project_repositories=101,
            big_repository_tags=101,
        )

    def check(self) -> None:
        if self.heavy_user_projects > self.projects:
            raise SystemExit("--projects must be at least the heavy user's 200")
        if self.big_project_events > self.audit_events:
            raise SystemExit("the big project cannot hold more events than there are")
        if self.big_app_deployments + self.pending > self.deployments:
            raise SystemExit("deployments must cover the big application's and the PENDING")
        if not self.big_project_repositories <= self.image_repositories:
            raise SystemExit("the big project cannot hold more repositories than there are")
        if not 0 < self.big_repository_tags < self.image_tags:
            raise SystemExit("the big repository's tags must be some of the tags, not all")
        if self.image_repositories < 2:
            raise SystemExit("the images index needs at least two repositories")


def stamp(index: int, total: int, start: datetime) -> datetime:
    """Row `index` of `total`, spread over the year from `start`."""
    return start + YEAR * (index / max(total, 1))


@dataclass
class Seeder:
    sizes: Sizes
    settings: Settings
    keys: ServiceKeys
    start: datetime
    handles: dict[str, Any]
    _tokens: list[tuple] = field(default_factory=list)  # made with the registries

    @property
    def regions(self) -> list[str]:
        return [region.slug for region in self.settings.regions]

    def registries_per_project(self) -> int:
        return max(len(self.regions), self.sizes.registries // self.sizes.projects)

    def nodion_registry_id(self, project_id: int, region_index: int) -> int:
        return (project_id - 1) * self.registries_per_project() + region_index + 1

    def users(self) -> Iterator[tuple]:
        for user_id in range(1, self.sizes.users + 1):
            email = HEAVY_USER_EMAIL if user_id == 1 else f"user{user_id}@scale.example"
            yield (user_id, email, self.start)

    def api_tokens(self) -> Iterator[tuple]:
        token = API_TOKEN.new()
        self.handles["api_token"] = token
        yield (1, 1, token_digest(token, self.keys.token_pepper), token_hint(token), self.start)

    def projects(self) -> Iterator[tuple]:
        for project_id in range(1, self.sizes.projects + 1):
            created = stamp(project_id, self.sizes.projects, self.start)
            yield (project_id, f"Project {project_id}", f"p{project_id}", created)

    def members(self) -> Iterator[tuple]:
        member_id = 0
        others = self.sizes.users - 1
        for project_id in range(1, self.sizes.projects + 1):
            created = stamp(project_id, self.sizes.projects, self.start)
            if project_id <= self.sizes.heavy_user_projects:
                member_id += 1
                yield (member_id, project_id, 1, "ADMIN", created)
            if others > 0:
                member_id += 1
                yield (member_id, project_id, 2 + project_id % others, "ADMIN", created)

    def registries(self) -> Iterator[tuple]:
        per_project = self.registries_per_project()
        region_names = {region.slug: region.name for region in self.settings.regions}
        for project_id in range(1, self.sizes.projects + 1):
            created = stamp(project_id, self.sizes.projects, self.start)
            for index in range(per_project):
                registry_id = (project_id - 1) * per_project + index + 1
                if index < len(self.regions):
                    region = self.regions[index]
                    token = REGISTRY_TOKEN.new()
                    username = f"p{project_id}"
                    if project_id == 1 and index == 0:
                        self.handles["registry_login"] = f"{username}:{token}"
                        self.handles["registry_service"] = self.settings.registry_hostname(region)
                        self.handles["namespace"] = username
                    # Its access token has the registry's id (one token each).
                    self._tokens.append(
                        (
                            registry_id, registry_id, project_id, "default", "PUSH",
                            token_digest(token, self.keys.token_pepper), token_hint(token),
                            self.keys.keyring.encrypt(
                                token, context=f"registry_token:{registry_id}:token"
                            ),
                            created,
                        )
                    )  # fmt: skip
                    yield (
                        registry_id, project_id, "NODION",
                        f"Nodion Registry ({region_names[region]})",
                        self.settings.registry_hostname(region), region, True, username,
                        None, None, token_hint(token), created, created, created,
                    )  # fmt: skip
                else:
                    yield (
                        registry_id, project_id, "DOCKER_HUB", f"Docker Hub {index}",
                        "docker.io", None, False, None, None, None, None, None, None, created,
                    )  # fmt: skip

    def registry_tokens(self) -> Iterator[tuple]:
        """The NODION registries' tokens, made with them (registries come first)."""
        yield from self._tokens
        self._tokens = []

    def application_project(self, application_id: int) -> int:
        if application_id == 1:
            return 1
        return (application_id - 2) % self.sizes.projects + 1

    def application_region(self, application_id: int) -> int:
        return application_id % len(self.regions)

    def applications(self) -> Iterator[tuple]:
        for application_id in range(1, self.sizes.applications + 1):
            project_id = self.application_project(application_id)
            region_index = self.application_region(application_id)
            yield (
                application_id, project_id, f"app-{application_id}", self.regions[region_index],
                "DOCKERFILE", self.nodion_registry_id(project_id, region_index),
                f"p{project_id}/app-{application_id}", "latest", None,
                stamp(application_id, self.sizes.applications, self.start),
            )  # fmt: skip

    def deploy_targets(self) -> Iterator[tuple]:
        for index, region in enumerate(self.regions, 1):
            token = DEPLOY_TARGET_TOKEN.new()
            if index == 1:
                self.handles["deploy_target_token"] = token
                self.handles["deploy_region"] = region
            digest = token_digest(token, self.keys.token_pepper)
            yield (index, f"target-{region}", region, digest, self.start, None)

    def deployments(self) -> Iterator[tuple]:
        sizes = self.sizes
        finished = sizes.deployments - sizes.pending
        every_big = max(1, finished // sizes.big_app_deployments)
        # The PENDING ones are among the newest: one in `stride` of the last ids.
        stride = max(1, min(5, finished // max(1, sizes.pending)))
        pending_from = sizes.deployments - stride * sizes.pending
        big_ids: list[int] = []
        pending = 0
        others = max(1, sizes.applications - 1)
        for deployment_id in range(1, sizes.deployments + 1):
            is_pending = (
                deployment_id > pending_from
                and deployment_id % stride == 0
                and pending < sizes.pending
            )
            if (
                not is_pending
                and len(big_ids) < sizes.big_app_deployments
                and ((deployment_id - 1) % every_big == 0 or sizes.applications == 1)
            ):
                application_id = 1
                big_ids.append(deployment_id)
            else:
                application_id = 2 + deployment_id % others if sizes.applications > 1 else 1
            project_id = self.application_project(application_id)
            region_index = self.application_region(application_id)
            region = self.regions[region_index]
            created = stamp(deployment_id, sizes.deployments, self.start)
            reference = f"{self.settings.registry_hostname(region)}/p{project_id}/app-{application_id}:latest"  # noqa: E501
            if is_pending:
                pending += 1
                status, claimed, finished, target_id, target_name = (
                    "PENDING",
                    None,
                    None,
                    None,
                    None,
                )
            else:
                status = "FAILED" if deployment_id % 10 == 0 else "SUCCEEDED"
                claimed, finished = created + timedelta(seconds=5), created + timedelta(seconds=60)
                target_id, target_name = region_index + 1, f"target-{region}"
            yield (
                deployment_id, application_id, project_id, region, "DOCKERFILE",
                self.nodion_registry_id(project_id, region_index), reference,
                f"p{project_id}/app-{application_id}", status, None, created, claimed, finished,
                target_id, target_name, None, None,
            )  # fmt: skip
        if len(big_ids) >= 500:
            self.handles["deployment_cursor_500"] = sorted(big_ids, reverse=True)[499]
        self.handles["pending"] = pending

    # The images index, as the event endpoint (app/registries/images/index.py)
    # writes it: a repository per (region, name) under its project's namespace,
    # a row per tag whose id rises with its push (a push to a tag replaces the
    # row), so ids and `pushed_at` rise together over the whole index.

    def image_layout(self) -> tuple[int, int]:
        """(one in how many repositories is project 1's, id of its big repository):
        the big one is project 1's newest, so its tags are on the tab's page."""
        every = max(1, self.sizes.image_repositories // self.sizes.big_project_repositories)
        return every, every * self.sizes.big_project_repositories

    def image_repository_project(self, repository_id: int) -> int:
        every, big = self.image_layout()
        if repository_id % every == 0 and repository_id <= big:
            return 1
        return 2 + repository_id % (self.sizes.projects - 1) if self.sizes.projects > 1 else 1

    def image_repositories(self) -> Iterator[tuple]:
        total = self.sizes.image_tags
        _, big = self.image_layout()
        self.handles["images_big_repository"] = big
        for repository_id in range(1, self.sizes.image_repositories + 1):
            project_id = self.image_repository_project(repository_id)
            region = self.regions[repository_id % len(self.regions)]
            # Made by its first push: the tags go round the repositories in id order.
            created = stamp(repository_id - 1, total, self.start)
            name = f"p{project_id}/repo-{repository_id}"
            yield (repository_id, project_id, region, name, created)

    def image_tags(self) -> Iterator[tuple]:
        sizes = self.sizes
        _, big = self.image_layout()
        others = sizes.image_repositories - 1
        every_big = max(1, sizes.image_tags // sizes.big_repository_tags)
        big_tags = other_tags = 0
        for tag_id in range(1, sizes.image_tags + 1):
            if big_tags < sizes.big_repository_tags and (
                tag_id % every_big == 0
                or sizes.image_tags - tag_id < sizes.big_repository_tags - big_tags
            ):
                repository_id, name = big, f"build-{big_tags}"
                big_tags += 1
            else:
                # Round the other repositories, so each has about as many tags.
                index = other_tags % others + 1
                repository_id = index if index < big else index + 1
                name = f"1.{other_tags // others}.0"
                other_tags += 1
            project_id = self.image_repository_project(repository_id)
            digest = "sha256:" + hashlib.sha256(tag_id.to_bytes(8, "big")).hexdigest()
            yield (
                tag_id, repository_id, name, digest, MEDIA_TYPES[tag_id % len(MEDIA_TYPES)],
                30_000_000 + tag_id % 997 * 100_003, stamp(tag_id, sizes.image_tags, self.start),
                f"p{project_id}",
            )  # fmt: skip
        self.handles["images_big_repository_tags"] = big_tags

    def audit_events(self) -> Iterator[tuple]:
        sizes = self.sizes
        every_big = max(1, sizes.audit_events // sizes.big_project_events)
        big = 0
        others = max(1, sizes.projects - 1)
        for event_id in range(1, sizes.audit_events + 1):
            if big < sizes.big_project_events and (
                event_id % every_big == 0
                or sizes.audit_events - event_id < sizes.big_project_events - big
            ):
                project_id = 1
                big += 1
            else:
                project_id = 2 + event_id % others if sizes.projects > 1 else 1
            action = ACTIONS[event_id % len(ACTIONS)]
            if action.startswith("deployment.") or action == "credentials.disclosed":
                actor_id, actor_email = None, f"target-{self.regions[0]}"
                actor_email = f"deploy-target:{actor_email}"
                target_type, target_name = "Deployment", f"app-{project_id} #{event_id}"
            else:
                actor_id, actor_email = 1, HEAVY_USER_EMAIL
                target_type, target_name = "Registry", f"Docker Hub {event_id}"
            yield (
                event_id, project_id, actor_id, actor_email, action, target_type, event_id,
                target_name, None, stamp(event_id, sizes.audit_events, self.start),
            )  # fmt: skip


TABLES: list[tuple[str, str, tuple[str, ...]]] = [
    ("users", "users", ("id", "email", "created_at")),
    ("api_tokens", "api_tokens", ("id", "user_id", "digest", "hint", "created_at")),
    ("projects", "projects", ("id", "name", "namespace", "created_at")),
    ("members", "project_members", ("id", "project_id", "user_id", "role", "created_at")),
    (
        "registries",
        "registries",
        (
            "id",
            "project_id",
            "type",
            "name",
            "hostname",
            "region",
            "is_default",
            "username",
            "token_ciphertext",
            "token_digest",
            "token_hint",
            "credentials_created_at",
            "credentials_updated_at",
            "created_at",
        ),
    ),
    (
        "registry_tokens",
        "registry_tokens",
        (
            "id",
            "registry_id",
            "project_id",
            "name",
            "scope",
            "digest",
            "hint",
            "ciphertext",
            "created_at",
        ),
    ),
    (
        "applications",
        "applications",
        (
            "id",
            "project_id",
            "name",
            "region",
            "strategy",
            "registry_id",
            "image",
            "tag",
            "digest",
            "created_at",
        ),
    ),
    (
        "deploy_targets",
        "deploy_targets",
        ("id", "name", "region", "token_digest", "created_at", "last_seen_at"),
    ),
    (
        "deployments",
        "deployments",
        (
            "id",
            "application_id",
            "project_id",
            "region",
            "strategy",
            "registry_id",
            "image_reference",
            "repository",
            "status",
            "message",
            "created_at",
            "claimed_at",
            "finished_at",
            "target_id",
            "target_name",
            "credential_digest",
            "credential_expires_at",
        ),
    ),
    (
        "audit_events",
        "audit_events",
        (
            "id",
            "project_id",
            "actor_id",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "target_name",
            "detail",
            "created_at",
        ),
    ),
    (
        "image_repositories",
        "image_repositories",
        ("id", "project_id", "region", "name", "created_at"),
    ),
    (
        "image_tags",
        "image_tags",
        (
            "id",
            "repository_id",
            "name",
            "digest",
            "media_type",
            "size_bytes",
            "pushed_at",
            "pushed_by",
        ),
    ),
]


def chunks(rows: Iterable[tuple], size: int = CHUNK) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def fill_postgres(url: str, seeder: Seeder) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.split("?")[0])
    try:
        for method, table, columns in TABLES:
            for batch in chunks(getattr(seeder, method)()):
                await connection.copy_records_to_table(table, records=batch, columns=columns)
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
            print(f"  {table}: done at {time.monotonic() - STARTED:.0f} s", flush=True)
        await connection.execute(REFRESH_REPOSITORY_STATS)
        print(f"  repository stats: done at {time.monotonic() - STARTED:.0f} s", flush=True)
        # A year-old database has been vacuumed and analyzed by autovacuum.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


def sqlite_value(value: Any) -> Any:
    # As Tortoise stores them: ISO text with a space, microseconds and offset.
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    return value


def fill_sqlite(path: str, seeder: Seeder) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous = OFF")
        for method, table, columns in TABLES:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            with connection:
                for batch in chunks(getattr(seeder, method)()):
                    connection.executemany(
                        sql, [tuple(sqlite_value(v) for v in row) for row in batch]
                    )
            print(f"  {table}: done at {time.monotonic() - STARTED:.0f} s", flush=True)
        with connection:
            connection.execute(REFRESH_REPOSITORY_STATS)
        print(f"  repository stats: done at {time.monotonic() - STARTED:.0f} s", flush=True)
    finally:
        connection.close()


STARTED = time.monotonic()


async def seed(database_url: str, sizes: Sizes, settings: Settings) -> dict[str, Any]:
    """Migrate an empty database and fill it; returns the handles (see --handles)."""
    global STARTED
    STARTED = time.monotonic()
    sizes.check()
    keys = load_keys(settings)
    await storage.apply_migrations(database_url)
    seeder = Seeder(sizes, settings, keys, datetime.now(UTC) - YEAR - timedelta(days=1), {})
    if database_url.startswith("sqlite://"):
        await asyncio.to_thread(fill_sqlite, database_url.removeprefix("sqlite://"), seeder)
    else:
        await fill_postgres(database_url, seeder)
    seeder.handles["rare_action"] = RARE_ACTION
    seeder.handles["seconds"] = round(time.monotonic() - STARTED, 1)
    seeder.handles["sizes"] = {f.name: getattr(sizes, f.name) for f in fields(sizes)}
    return seeder.handles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("NODION_DATABASE_URL"))
    parser.add_argument("--scale", type=float, default=1.0, help="e.g. 0.1 for a tenth")
    parser.add_argument("--near-empty", action="store_true", help="just enough for each page")
    for f in fields(Sizes):
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=int)
    parser.add_argument("--handles", type=Path, help="write the benchmark's handles here")
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("set NODION_DATABASE_URL or pass --database-url (an empty database)")
    sizes = Sizes.near_empty() if args.near_empty else Sizes().scaled(args.scale)
    chosen = {f.name: getattr(args, f.name) for f in fields(Sizes) if getattr(args, f.name)}
    sizes = replace(sizes, **chosen)
    handles = asyncio.run(seed(args.database_url, sizes, Settings()))
    if args.handles:
        args.handles.touch(mode=0o600)
        args.handles.write_text(json.dumps(handles))
    print(f"Seeded {handles['sizes']} in {handles['seconds']} s")


if __name__ == "__main__":
    main()
