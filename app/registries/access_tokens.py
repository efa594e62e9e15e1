"""The access tokens of a Nodion registry: create, rotate under a grace period,
revoke. Knows nothing of GraphQL.

A registry holds up to `MAX_ACTIVE_TOKENS` active tokens, each PULL or PUSH, with
an optional expiry. Rotating issues a new secret under the same name, scope and
expiry length and lets the previous one work for a grace period; revoking stops a
token at once.

A token is one thing with one name, however many secrets it has: each secret is
a `RegistryToken` row, and the rows of one token are those of its registry with
its name that still work (names are unique among active rows, and a secret in
its grace period never outlives the row that replaced it). So revoking a token,
by the ID of any of its secrets (one whose grace ended included), revokes every
working secret of its name in one UPDATE; and a token keeps at most one
previous secret in its grace period: rotating it again ends the older grace
now, and says so.

The token endpoint finds tokens by digest (app/registries/credential_lookup.py);
every change here is a write, so every worker looks the token up again on its
next login (app/db_changes.py), a previous secret it kept included.

The registry row keeps a summary of its tokens (`token_hint`,
`credentials_end_at`) so `Registry.hasCredentials` and `tokenHint` need no read
of the tokens; it is rewritten in the same transaction as every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from app.accounts.models import User
from app.audit.service import record
from app.errors import Conflict, NotFound, NotSupported, ValidationFailed
from app.projects.access import check_role, role_in
from app.projects.models import Project, Role
from app.registries.models import (
    ACCESS_TOKEN_CIPHERTEXT,
    REGISTRY_TOKEN,
    Registry,
    RegistryToken,
    RegistryType,
    TokenScope,
)
from app.security.keys import ServiceKeys
from app.security.tokens import token_digest, token_hint
from app.transactions import atomic

MAX_ACTIVE_TOKENS = 50
NAME_MAX_LENGTH = 64
MAX_EXPIRES_IN = 365 * 24 * 3600  # a year
MAX_GRACE_PERIOD = 7 * 24 * 3600  # a week
DEFAULT_TOKEN_NAME = "default"  # noqa: S105 - a name, not a secret


@dataclass(frozen=True)
class IssuedCredentials:
    """A new token with what `docker login` needs; the token is shown once."""

    hostname: str
    username: str
    token: str

    def __repr__(self) -> str:  # the token must never reach a log line or a traceback
        return f"IssuedCredentials(hostname={self.hostname!r}, username={self.username!r})"

    @property
    def docker_login(self) -> str:
        return f"docker login {self.hostname} --username {self.username} --password-stdin"


def clean_token_name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= NAME_MAX_LENGTH or not cleaned.isprintable():
        raise ValidationFailed(
            "name",
            f"A token name is 1 to {NAME_MAX_LENGTH} printable characters (no control characters).",
        )
    return cleaned


def check_expires_in(expires_in: int | None, shortest: int) -> int | None:
    if expires_in is not None and not shortest <= expires_in <= MAX_EXPIRES_IN:
        raise ValidationFailed(
            "expiresIn",
            f"expiresIn is in seconds, from {shortest} to {MAX_EXPIRES_IN} (a year); "
            "leave it out for a token that does not expire.",
        )
    return expires_in


def check_grace_period(grace_period: int) -> int:
    if not 0 <= grace_period <= MAX_GRACE_PERIOD:
        raise ValidationFailed(
            "gracePeriod",
            f"gracePeriod is in seconds, from 0 (the old token stops now) to "
            f"{MAX_GRACE_PERIOD} (7 days).",
        )
    return grace_period


def working(now: datetime) -> Q:
    """Tokens that work at `now`: neither revoked nor past their expiry or grace period."""
    return (
        Q(revoked_at__isnull=True)
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        & (Q(grace_ends_at__isnull=True) | Q(grace_ends_at__gt=now))
    )


def in_grace(registry_id: int, name: str, now: datetime) -> Q:
    """The previous secrets of the token `name` that still work: replaced by a
    rotation, in their grace period."""
    return Q(registry_id=registry_id) & Q(name=name) & Q(grace_ends_at__isnull=False) & working(now)


def active(now: datetime) -> Q:
    """Working and not replaced by a rotation: what the limit counts, and among
    which names are unique."""
    return working(now) & Q(grace_ends_at__isnull=True)


async def _managed_registry(actor: User, registry_id: int, required: Role) -> Registry:
    registry = await Registry.get_or_none(id=registry_id)
    role = await role_in(actor, registry.project_id) if registry else None
    check_role(role, required, what="registry")
    assert registry is not None
    if registry.type is not RegistryType.NODION:
        raise NotSupported(
            "Only Nodion registries have access tokens; set a third-party registry's "
            "credentials with updateCredentials."
        )
    return registry


async def token_for(actor: User, token_id: int, required: Role) -> RegistryToken:
    token = await RegistryToken.get_or_none(id=token_id)
    role = await role_in(actor, token.project_id) if token else None
    check_role(role, required, what="registry token")
    assert token is not None
    return token


async def _lock(registry_id: int) -> Registry:
    """The registry row, locked until the transaction ends (PostgreSQL; SQLite
    runs one write transaction at a time): the limit and the unique names are
    checked and kept by one change at a time."""
    registry = await Registry.filter(id=registry_id).select_for_update().first()
    if registry is None:  # removed since it was read
        raise NotFound("No registry with this ID exists, or you are not a member of its project.")
    return registry


async def _insert(
    registry: Registry,
    *,
    name: str,
    scope: TokenScope,
    lifetime: int | None,
    actor: User,
    keys: ServiceKeys,
    now: datetime,
) -> tuple[RegistryToken, str]:
    secret = REGISTRY_TOKEN.new()
    token = await RegistryToken.create(
        registry_id=registry.id,
        project_id=registry.project_id,
        name=name,
        scope=scope,
        digest=token_digest(secret, keys.token_pepper),
        hint=token_hint(secret),
        created_at=now,
        created_by=actor.email,
        lifetime=lifetime,
        expires_at=None if lifetime is None else now + timedelta(seconds=lifetime),
    )
    # The row id is part of the associated data, so the ciphertext follows the insert.
    token.ciphertext = keys.keyring.encrypt(
        secret, context=ACCESS_TOKEN_CIPHERTEXT.context_of(token.id)
    )
    await token.save(update_fields=["ciphertext"])
    return token, secret


async def _credentials_username(registry: Registry, now: datetime) -> str:
    """The registry's username (its project's namespace), set with its first token."""
    if registry.username is not None:
        return registry.username
    project = await Project.get(id=registry.project_id)
    await Registry.filter(id=registry.id).update(
        username=project.namespace, credentials_created_at=now
    )
    registry.username = project.namespace
    registry.credentials_created_at = now
    return project.namespace


async def refresh_summary(registry_id: int, now: datetime) -> None:
    """Rewrite what the registry row says of its tokens: the newest working
    token's hint, and when the last working token ends (NULL: one never does)."""
    tokens = await RegistryToken.filter(Q(registry_id=registry_id) & working(now)).order_by("-id")
    unreplaced = [token for token in tokens if token.grace_ends_at is None]
    newest = (unreplaced or tokens)[0] if tokens else None
    ends = [token.ends_at for token in tokens]
    await Registry.filter(id=registry_id).update(
        token_hint=newest.hint if newest else None,
        credentials_end_at=None if not ends or None in ends else max(e for e in ends if e),
        credentials_updated_at=now,
    )


async def _check_room(registry_id: int, name: str, now: datetime) -> None:
    if await RegistryToken.filter(Q(registry_id=registry_id) & Q(name=name) & active(now)).exists():
        raise ValidationFailed(
            "name", f"This registry already has an active token named {name!r}; choose another."
        )
    if await RegistryToken.filter(Q(registry_id=registry_id) & active(now)).count() >= (
        MAX_ACTIVE_TOKENS
    ):
        raise Conflict(
            f"A registry holds at most {MAX_ACTIVE_TOKENS} active tokens; revoke one first."
        )


async def create_token(
    actor: User,
    registry_id: int,
    *,
    name: str,
    scope: TokenScope,
    expires_in: int | None,
    keys: ServiceKeys,
    shortest_expiry: int,
) -> tuple[RegistryToken, IssuedCredentials]:
    registry = await _managed_registry(actor, registry_id, Role.ADMIN)
    name = clean_token_name(name)
    lifetime = check_expires_in(expires_in, shortest_expiry)
    now = datetime.now(UTC)
    async with atomic():
        registry = await _lock(registry.id)
        await _check_room(registry.id, name, now)
        username = await _credentials_username(registry, now)
        token, secret = await _insert(
            registry, name=name, scope=scope, lifetime=lifetime, actor=actor, keys=keys, now=now
        )
        await refresh_summary(registry.id, now)
        await audit(actor, registry, token, "registry_token.created", _created_detail(token))
    return token, IssuedCredentials(registry.hostname, username, secret)


def _created_detail(token: RegistryToken) -> str:
    expiry = _iso(token.expires_at) if token.expires_at else "never"
    return f"{token.scope.value}, expires {expiry}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def generate_first_token(
    actor: User, registry_id: int, keys: ServiceKeys
) -> tuple[Registry, RegistryToken, IssuedCredentials] | None:
    """`generateCredentials`: the registry's first token, `default`, PUSH, no
    expiry; None when the registry had credentials already. The guard is a
    conditional UPDATE, so of racing calls exactly one gets the token."""
    registry = await _managed_registry(actor, registry_id, Role.ADMIN)
    project = await Project.get(id=registry.project_id)
    now = datetime.now(UTC)
    async with atomic():
        claimed = await Registry.filter(
            id=registry.id, type=RegistryType.NODION, credentials_created_at__isnull=True
        ).update(username=project.namespace, credentials_created_at=now)
        if not claimed:
            return None
        registry = await _lock(registry.id)
        token, secret = await _insert(
            registry,
            name=DEFAULT_TOKEN_NAME,
            scope=TokenScope.PUSH,
            lifetime=None,
            actor=actor,
            keys=keys,
            now=now,
        )
        await refresh_summary(registry.id, now)
        await audit(actor, registry, token, "registry_token.created", _created_detail(token))
    await registry.refresh_from_db()
    return registry, token, IssuedCredentials(registry.hostname, project.namespace, secret)


@dataclass(frozen=True)
class Rotated:
    new: RegistryToken
    old: RegistryToken
    credentials: IssuedCredentials
    grace_ended: list[RegistryToken]
    """Older secrets of the token, in their grace period until this rotation,
    which ended it now: a token keeps at most one previous secret working."""


async def rotate_token(actor: User, token_id: int, grace_period: int, keys: ServiceKeys) -> Rotated:
    """The new secret works now; the old one for `grace_period` more seconds (0:
    it stops now), or until its own expiry. A secret still in its grace period
    from an earlier rotation stops now: two secrets of one token working at once
    is the most a rotation allows, and the rotation's result names it."""
    old = await token_for(actor, token_id, Role.ADMIN)
    check_grace_period(grace_period)
    now = datetime.now(UTC)
    async with atomic():
        registry = await _lock(old.registry_id)
        old = await RegistryToken.get(id=old.id)
        status = old.status_at(now)
        if old.grace_ends_at is not None:
            raise Conflict(
                "This token was rotated already and is in its grace period; rotate its "
                "replacement instead."
            )
        if not old.works_at(now):
            raise Conflict(
                f"This token is {status.value.lower()}; only a working token can be rotated. "
                "Create a new one with createRegistryToken."
            )
        username = await _credentials_username(registry, now)
        older = await RegistryToken.filter(in_grace(registry.id, old.name, now)).order_by("id")
        if older:
            await RegistryToken.filter(id__in=[token.id for token in older]).update(
                grace_ends_at=now
            )
        new, secret = await _insert(
            registry,
            name=old.name,
            scope=old.scope,
            lifetime=old.lifetime,
            actor=actor,
            keys=keys,
            now=now,
        )
        grace_ends_at = now + timedelta(seconds=grace_period)
        # Conditional on the row as read: a concurrent revoke or rotation wins.
        changed = await RegistryToken.filter(
            id=old.id, grace_ends_at__isnull=True, revoked_at__isnull=True
        ).update(grace_ends_at=grace_ends_at, replaced_by_id=new.id)
        if not changed:
            raise Conflict("This token changed while it was rotated; look at it again.")
        await refresh_summary(registry.id, now)
        await audit(
            actor,
            registry,
            old,
            "registry_token.rotated",
            f"old {old.id}, new {new.id}, grace ends {_iso(grace_ends_at)}"
            + (f", ended {','.join(str(token.id) for token in older)}" if older else ""),
        )
    await old.refresh_from_db()
    for token in older:
        token.grace_ends_at = now  # as the UPDATE set it
    return Rotated(new, old, IssuedCredentials(registry.hostname, username, secret), older)


@dataclass(frozen=True)
class Revoked:
    token: RegistryToken
    """The secret the request named, revoked."""
    with_it: list[RegistryToken]
    """The token's other secrets that still worked (a previous one in its grace
    period), revoked with it."""


async def revoke_token(actor: User, token_id: int) -> Revoked:
    """Stop the token at once: the secret `token_id` names and every other
    secret of the same token that still works (a rotation's previous secret in
    its grace period, or the secret that replaced it), whichever of them is named."""
    token = await token_for(actor, token_id, Role.ADMIN)
    now = datetime.now(UTC)
    async with atomic():
        registry = await _lock(token.registry_id)
        token = await RegistryToken.get(id=token.id)
        if token.revoked_at is not None:
            raise Conflict("This token was revoked already.")
        # A secret that works, or that a rotation replaced (its token lives on
        # in its successors), takes every working secret of its name with it:
        # they are one token. One that expired unreplaced is revoked alone.
        others = (
            await RegistryToken.filter(
                Q(registry_id=registry.id) & Q(name=token.name) & working(now) & ~Q(id=token.id)
            ).order_by("id")
            if token.works_at(now) or await _token_lives_on(token, now)
            else []
        )
        # One UPDATE: the token endpoint of every worker looks them up again.
        ids = [token.id, *(other.id for other in others)]
        if not await RegistryToken.filter(id__in=ids, revoked_at__isnull=True).update(
            revoked_at=now
        ):
            raise Conflict("This token was revoked already.")
        await refresh_summary(registry.id, now)
        detail = f"with {', '.join(str(other.id) for other in others)}" if others else None
        await audit(actor, registry, token, "registry_token.revoked", detail)
    for row in (token, *others):
        row.revoked_at = now  # as the UPDATE set it
    return Revoked(token, others)


async def _token_lives_on(secret: RegistryToken, now: datetime) -> bool:
    """Whether `secret`, stopped, was replaced by rotations whose latest
    secret still works: its token does. The ID a script kept from creating a
    token names its first secret, stopped once the token was rotated with no
    grace, or twice; revoking it must stop the token, not that secret alone.
    (One read: the links of the secrets of its name.)"""
    if secret.replaced_by_id is None:
        return False
    links = dict(
        await RegistryToken.filter(registry_id=secret.registry_id, name=secret.name).values_list(
            "id", "replaced_by_id"
        )
    )
    latest, seen = secret.replaced_by_id, {secret.id}
    while links.get(latest) is not None and latest not in seen:
        seen.add(latest)
        latest = links[latest]
    successor = await RegistryToken.get_or_none(id=latest)
    return successor is not None and successor.works_at(now)


async def audit(
    actor: User | None,
    registry: Registry,
    token: RegistryToken,
    action: str,
    detail: str | None = None,
) -> None:
    await record(
        project_id=registry.project_id,
        actor=actor,
        action=action,
        target_type="RegistryToken",
        target_id=token.id,
        target_name=f"{registry.name} / {token.name}"[:261],
        detail=detail[:64] if detail else None,
    )
