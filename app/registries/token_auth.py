"""Docker registry token authentication: who may do what in a managed registry.

Implements the rules of distribution's token auth spec for our managed
registries. A credential is recognised by its token prefix: a NODION
registry's generated token (`nrt_`, verified here) or one a domain plugs in
(the deployments' short-lived `ndc_` credentials). Each is valid only for one
registry's `service` (its region hostname) and grants an `Access`; every other
requested scope is answered with empty actions (the spec's intersection
rule), never with an error.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from functools import lru_cache, partial
from typing import Any, Literal, NamedTuple

from tortoise.expressions import Q

from app.audit.service import record
from app.registries.credential_lookup import RegistryLogin, RegistryLogins
from app.registries.models import Registry, RegistryToken
from app.registries.references import is_repository_name
from app.security.signing import TokenSigner
from app.security.tokens import token_digest

log = logging.getLogger(__name__)

LAST_USED_RESOLUTION = timedelta(minutes=1)
EXPIRED_USE_RESOLUTION = timedelta(hours=1)


class Scope(NamedTuple):
    """One requested scope. (A named tuple: a login may ask for many, and a
    frozen dataclass is slower to make.)"""

    type: str
    name: str
    actions: tuple[str, ...]


def parse_scopes(values: list[str]) -> list[Scope]:
    """`scope` parameters; each may hold several space-separated scopes."""
    scopes = []
    for value in values:
        for item in value.split():
            resource_type, _, rest = item.partition(":")
            name, _, actions = rest.rpartition(":")
            if not resource_type or not name:
                continue  # nothing we could even name in the answer
            resource_type = resource_type.split("(", 1)[0]  # `repository(plugin)` class
            scopes.append(Scope(resource_type, name, tuple(a for a in actions.split(",") if a)))
    return scopes


@dataclass(frozen=True)
class Access:
    """What a verified credential may do: in which registry (`audience`, the
    hostname docker sends as `service`), on which repositories, which actions."""

    audience: str
    actions: tuple[str, ...]
    namespace: str | None = None
    """Every repository under `<namespace>/`."""
    repository: str | None = None
    """Exactly this repository (a deployment's build)."""
    repository_globs: tuple[str, ...] = ()
    """Repositories matching one of these globs (a trusted publisher's)."""
    on_use: Callable[[], Awaitable[None]] | None = field(default=None, compare=False)
    not_after: int | None = None
    """When the credential stops working (Unix seconds), if it does: a JWT
    issued for it expires then at the latest."""

    def covers(self, name: str) -> bool:
        if not is_repository_name(name):
            return False
        if self.repository is not None:
            return name == self.repository
        if self.repository_globs:
            return any(fnmatchcase(name, glob) for glob in self.repository_globs)
        return self.namespace is not None and name.startswith(f"{self.namespace}/")


@dataclass(frozen=True)
class LoginRefused:
    """A verifier's refusal that says more than "unknown": the credential is
    known but no longer works. Answered as any refusal; counted by its outcome
    in nodion_registry_logins_total."""

    outcome: Literal["expired", "revoked"]


Verifier = Callable[[str, str, str, bytes], Awaitable[Access | LoginRefused | None]]
"""`(username, token, service, pepper) -> Access, LoginRefused or None`, one per
token prefix."""


def grant(scopes: list[Scope], access: Access) -> list[dict[str, Any]]:
    """The access claim: each requested scope, with the actions this credential
    may do there (none outside what it covers: the spec's intersection rule)."""
    granted = []
    for scope in scopes:
        allowed: list[str] = []
        if scope.type == "repository" and access.covers(scope.name):
            allowed = [action for action in access.actions if action in scope.actions]
        granted.append({"type": scope.type, "name": scope.name, "actions": allowed})
    return granted


class RegistryTokens:
    """Verifies a NODION registry's access tokens (`nrt_`): pull, and push for a
    PUSH token, in its namespace, until the token ends. A token that is revoked,
    expired or past its grace period is refused as an unknown one is, and the
    reason logged (by token id, never the token)."""

    def __init__(self, logins: RegistryLogins) -> None:
        self.logins = logins

    async def __call__(
        self, username: str, token: str, service: str, pepper: bytes
    ) -> Access | LoginRefused | None:
        # The endpoint has refused a missing service and a malformed token already.
        digest = token_digest(token, pepper)
        login = await self.logins.by_digest(digest)
        if login is None:
            log.info("Registry login refused: unknown token")
            return None
        # Both compared in constant time, so timing tells nothing about either.
        username_ok = hmac.compare_digest(login.username.encode(), username.encode())
        service_ok = hmac.compare_digest(login.service.encode(), service.encode())
        if not (username_ok and service_ok):
            _refused(login, "wrong username" if service_ok else "another registry's service")
            return None
        now = datetime.now(UTC)
        ends_at = login.ends_at
        if login.revoked or (ends_at is not None and ends_at <= now):
            return await _refuse_ended(login, now)
        # While lastUsedAt is fresh (the usual case) there is nothing to do on use.
        fresh = login.last_used_at is not None and now - login.last_used_at < LAST_USED_RESOLUTION
        return Access(
            audience=login.service,
            actions=login.actions,
            namespace=login.namespace,
            on_use=None if fresh else partial(self._note_use, digest, login, now),
            not_after=None if ends_at is None else int(ends_at.timestamp()),
        )

    async def _note_use(self, digest: str, login: RegistryLogin, now: datetime) -> None:
        await note_use(login, now)
        # The kept copy learns of it, so the next login does not write again.
        self.logins.used(digest, now, LAST_USED_RESOLUTION)


def _refused(login: RegistryLogin, reason: str) -> None:
    log.info(
        "Registry login refused: token %s (%s) of registry %s: %s",
        login.token_id,
        login.token_name,
        login.registry_id,
        reason,
    )


async def _refuse_ended(login: RegistryLogin, now: datetime) -> LoginRefused:
    """Log why; a token that expired (or whose grace period ended) is also an
    audit event, at most one an hour per token, so its owners learn that
    something still uses it."""
    if login.revoked:
        _refused(login, "revoked")
        return LoginRefused("revoked")
    reason = "grace period ended" if login.replaced else "expired"
    _refused(login, reason)
    cutoff = now - EXPIRED_USE_RESOLUTION
    stale = Q(expired_use_noted_at__isnull=True) | Q(expired_use_noted_at__lt=cutoff)
    if await RegistryToken.filter(Q(id=login.token_id) & stale).update(expired_use_noted_at=now):
        await record(
            project_id=login.project_id,
            actor=None,
            action="registry_token.expired_use",
            target_type="RegistryToken",
            target_id=login.token_id,
            target_name=f"{login.registry_name} / {login.token_name}"[:261],
            detail=reason,
        )
    return LoginRefused("expired")  # a grace period that ended counts as expired


async def note_use(credential: RegistryLogin, now: datetime) -> None:
    """Set the token's lastUsedAt (and its registry's), at most once a minute per
    token, so a busy registry does not turn every pull into a write; each such
    update is also an audit event. Called when the row read (or kept) is stale;
    the conditional UPDATE lets only one of several concurrent logins record it."""
    cutoff = now - LAST_USED_RESOLUTION
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=cutoff)
    if await RegistryToken.filter(Q(id=credential.token_id) & stale).update(last_used_at=now):
        await Registry.filter(
            Q(id=credential.registry_id) & (Q(last_used_at__isnull=True) | Q(last_used_at__lt=now))
        ).update(last_used_at=now)
        await record(
            project_id=credential.project_id,
            actor=None,
            action="credentials.used",
            target_type="Registry",
            target_id=credential.registry_id,
            target_name=credential.registry_name,
            detail=f"token {credential.token_name}"[:64],
        )


class IssuedToken(NamedTuple):
    token: str  # compact JWS: base64url segments and dots, nothing to escape in JSON
    expires_in: int
    issued_at: str  # RFC 3339, UTC

    def __repr__(self) -> str:  # the token is a bearer credential: never in a log
        return f"IssuedToken(expires_in={self.expires_in}, issued_at={self.issued_at!r})"


def issue_token(
    signer: TokenSigner,
    *,
    issuer: str,
    subject: str,
    audience: str,
    access: list[dict[str, Any]],
    ttl: int,
    now: int | None = None,
) -> IssuedToken:
    """`now`: the issuing second (Unix time), when the caller capped `ttl` by it."""
    now = int(time.time()) if now is None else now
    token = signer.sign(
        {
            "iss": issuer,
            "sub": subject,
            "aud": audience,
            "exp": now + ttl,
            "nbf": now,
            "iat": now,
            "jti": secrets.token_urlsafe(16),
            "access": access,
        }
    )
    return IssuedToken(token, ttl, _rfc3339(now))


@lru_cache(maxsize=1)
def _rfc3339(second: int) -> str:
    """`2026-11-29T14:05:09Z`: made once per second, not per token."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
