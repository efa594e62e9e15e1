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
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, NamedTuple

from tortoise.expressions import Q

from app.audit.service import record
from app.registries.credential_lookup import RegistryLogin, RegistryLogins
from app.registries.models import Registry
from app.registries.references import is_repository_name
from app.security.signing import TokenSigner
from app.security.tokens import token_digest

GRANTABLE_ACTIONS = ("pull", "push")
LAST_USED_RESOLUTION = timedelta(minutes=1)


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
    on_use: Callable[[], Awaitable[None]] | None = field(default=None, compare=False)

    def covers(self, name: str) -> bool:
        if not is_repository_name(name):
            return False
        if self.repository is not None:
            return name == self.repository
        return self.namespace is not None and name.startswith(f"{self.namespace}/")


Verifier = Callable[[str, str, str, bytes], Awaitable[Access | None]]
"""`(username, token, service, pepper) -> Access or None`, one per token prefix."""


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
    """Verifies a NODION registry's generated credentials (`nrt_`): push and pull
    in its namespace."""

    def __init__(self, logins: RegistryLogins) -> None:
        self.logins = logins

    async def __call__(
        self, username: str, token: str, service: str, pepper: bytes
    ) -> Access | None:
        # The endpoint has refused a missing service and a malformed token already.
        digest = token_digest(token, pepper)
        login = await self.logins.by_digest(digest)
        if login is None:
            return None
        # Both compared in constant time, so timing tells nothing about either.
        username_ok = hmac.compare_digest(login.username.encode(), username.encode())
        service_ok = hmac.compare_digest(login.service.encode(), service.encode())
        if not (username_ok and service_ok):
            return None
        # While lastUsedAt is fresh (the usual case) there is nothing to do on use.
        now = datetime.now(UTC)
        fresh = login.last_used_at is not None and now - login.last_used_at < LAST_USED_RESOLUTION
        return Access(
            audience=login.service,
            actions=GRANTABLE_ACTIONS,
            namespace=login.namespace,
            on_use=None if fresh else partial(self._note_use, digest, login, now),
        )

    async def _note_use(self, digest: str, login: RegistryLogin, now: datetime) -> None:
        await note_use(login, now)
        # The kept copy learns of it, so the next login does not write again.
        self.logins.used(digest, now, LAST_USED_RESOLUTION)


async def note_use(credential: RegistryLogin, now: datetime) -> None:
    """Set lastUsedAt, at most once a minute per credential, so a busy registry does
    not turn every pull into a write; each such update is also an audit event.
    Called when the row read (or kept) is stale; the conditional UPDATE lets only
    one of several concurrent logins record the use."""
    cutoff = now - LAST_USED_RESOLUTION
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=cutoff)
    if await Registry.filter(Q(id=credential.registry_id) & stale).update(last_used_at=now):
        await record(
            project_id=credential.project_id,
            actor=None,
            action="credentials.used",
            target_type="Registry",
            target_id=credential.registry_id,
            target_name=credential.registry_name,
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
) -> IssuedToken:
    now = int(time.time())
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
