"""Which access token of a NODION registry a login's token is: one prepared
SELECT, and what it found kept for as long as the database has not changed.

The token endpoint verifies a login on every `docker pull`, so this lookup is the
service's hottest query. It is written once as SQL text per database dialect and
sent as is (asyncpg keeps it prepared per connection); building it with the ORM's
query builder on every login cost about as much as running it. Running it cost
more than the rest of the login (on SQLite, a round trip to aiosqlite's thread),
so `RegistryLogins` keeps each login it found under the database's change version
(app/db_changes.py): a revoked or rotated token is looked up again, and refused,
by the very next login on every worker. A token's expiry and grace period are
times, not changes: they are compared with the clock on every login.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient

from app.db_changes import ChangeWatch
from app.registries.models import RegistryType, TokenScope

PULL_ONLY = ("pull",)
PULL_AND_PUSH = ("pull", "push")


@dataclass(frozen=True)
class RegistryLogin:
    """The token (and its registry) a digest matches, before anything is checked:
    revoked and ended tokens are found too, so a refusal can say why."""

    username: str
    service: str  # the registry hostname it is valid for (distribution's `service`)
    namespace: str  # repositories under `<namespace>/` may be granted
    registry_id: int
    registry_name: str
    project_id: int
    last_used_at: datetime | None
    token_id: int
    token_name: str
    actions: tuple[str, ...]  # what its scope allows
    revoked: bool
    ends_at: datetime | None  # its expiry or the end of its grace period, the earlier
    replaced: bool  # by a rotation (then `ends_at` is the end of the grace period)


class PreparedSelect:
    """A fixed SELECT with one parameter; its text is made once per dialect
    (`?` for SQLite, `$1` for PostgreSQL), never per call."""

    def __init__(self, template: str) -> None:
        self.template = template
        self._texts: dict[str, str] = {}

    def text_for(self, connection: BaseDBAsyncClient) -> str:
        dialect = connection.capabilities.dialect
        text = self._texts.get(dialect)
        if text is None:
            text = self._texts[dialect] = self.template.format(
                param="?" if dialect == "sqlite" else "$1"
            )
        return text

    async def first_row(self, value: str) -> tuple[Any, ...] | None:
        connection = Tortoise.get_connection("default")
        _, rows = await connection.execute_query(self.text_for(connection), [value])
        return tuple(rows[0]) if rows else None


def _datetime(value: datetime | str | None) -> datetime | None:
    # asyncpg returns datetimes; SQLite returns the ISO text Tortoise stored.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


# Through the unique index on registry_tokens.digest, then two primary keys.
REGISTRY_BY_DIGEST = PreparedSelect(
    "SELECT r.username, r.hostname, p.namespace, r.id, r.name, r.project_id, t.last_used_at, "
    "t.id, t.name, t.scope, t.revoked_at, t.expires_at, t.grace_ends_at "
    "FROM registry_tokens t JOIN registries r ON r.id = t.registry_id "
    "JOIN projects p ON p.id = r.project_id "
    "WHERE t.digest = {param} AND r.type = 'NODION' AND r.username IS NOT NULL"
)
assert RegistryType.NODION.value == "NODION"  # the literal in the SELECT above


def _earliest(*times: datetime | None) -> datetime | None:
    known = [at for at in times if at is not None]
    return min(known) if known else None


async def registry_login(digest: str) -> RegistryLogin | None:
    """The access token of a NODION registry with this digest, whatever its status."""
    row = await REGISTRY_BY_DIGEST.first_row(digest)
    if row is None:
        return None
    (username, hostname, namespace, registry_id, name, project_id, last_used_at) = row[:7]
    token_id, token_name, scope, revoked_at, expires_at, grace_ends_at = row[7:]
    grace_ends = _datetime(grace_ends_at)
    return RegistryLogin(
        username,
        hostname,
        namespace,
        registry_id,
        name,
        project_id,
        _datetime(last_used_at),
        token_id=token_id,
        token_name=token_name,
        actions=PULL_AND_PUSH if scope == TokenScope.PUSH.value else PULL_ONLY,
        revoked=revoked_at is not None,
        ends_at=_earliest(_datetime(expires_at), grace_ends),
        replaced=grace_ends is not None,
    )


class RegistryLogins:
    """`registry_login`, keeping each registry found under the database version
    taken before the lookup; a kept login is used only while that version holds.
    Unknown digests are not kept: a wrong token always costs a lookup, and the
    login throttle counts it. At most `max_kept` logins, least recently used
    dropped first."""

    def __init__(self, watch: ChangeWatch, max_kept: int = 10_000) -> None:
        self.watch = watch
        self.max_kept = max_kept
        self._kept: OrderedDict[str, tuple[Hashable, RegistryLogin]] = OrderedDict()

    async def by_digest(self, digest: str) -> RegistryLogin | None:
        version = self.watch.version()
        kept = self._kept.get(digest)
        if version is not None and kept is not None and kept[0] == version:
            self._kept.move_to_end(digest)
            return kept[1]
        login = await registry_login(digest)
        if login is None or version is None:
            self._kept.pop(digest, None)
            return login
        self._kept[digest] = (version, login)
        self._kept.move_to_end(digest)
        while len(self._kept) > self.max_kept:
            self._kept.popitem(last=False)
        return login

    def used(self, digest: str, at: datetime, resolution: timedelta) -> None:
        """The kept copy learns that lastUsedAt was just recorded, so it is not
        recorded again on every login (that column change is no reason to look
        the login up again)."""
        kept = self._kept.get(digest)
        if kept is None:
            return
        version, login = kept
        if login.last_used_at is None or login.last_used_at < at - resolution:
            self._kept[digest] = (version, replace(login, last_used_at=at))
