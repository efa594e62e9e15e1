"""The push credentials the OIDC exchange mints, and the token endpoint's
verifiers for them and for a CI's OIDC token used directly as a password.

A minted credential (`ntp_…`) is stored as its keyed digest with its expiry:
pull and push on the publisher's repositories until then. It is looked up on
every login (no copy kept), so removing the publisher, which deletes its
credentials, stops them at the next login of every worker.

A token is only ever compared with the publishers of one project, the one the
CI names: the exchange's `namespace`, or for a login the namespace of the
repositories it asks for (`oidc`) or names (`oidc/<namespace>`). An issuer is
shared by every project that trusts it, so it never picks the project: the
region's publishers searched in id order let one tenant's publisher (GitHub's
issuer, subject `*`) take another tenant's CI tokens, and its private CA
decide whether they could be verified at all.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial

from tortoise.expressions import Q

from app.projects.namespaces import NAMESPACE
from app.registries.credential_lookup import PULL_AND_PUSH
from app.registries.models import (
    PUBLISHER_CREDENTIAL,
    PublisherCredential,
    Registry,
    RegistryType,
    TrustedPublisher,
)
from app.registries.oidc.keys import IssuerKeys
from app.registries.oidc.verification import Refused, Verified, looks_like_jwt, verify
from app.registries.token_auth import Access, Scope
from app.security.tokens import token_digest
from app.settings import Settings

log = logging.getLogger(__name__)

JWT_USERNAME = "oidc"
"""`docker login -u oidc` with the CI's OIDC token as the password: the project
is the namespace of the repositories each token request asks for. `oidc/<namespace>`
names it, for `docker login`, which asks for none."""
PAST_TOKEN_EXPIRY = timedelta(minutes=15)
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Minted:
    username: str
    password: str = field(repr=False)
    expires_at: datetime


def credential_username(publisher: TrustedPublisher) -> str:
    return f"publisher-{publisher.id}"


def serves(settings: Settings, hostname: str) -> bool:
    """A Nodion registry's hostname (one per region): checked before the
    database is asked, so no text a request made up reaches a query (or the
    query log)."""
    return any(hostname == settings.registry_hostname(region.slug) for region in settings.regions)


class NamespaceUnclear(Exception):
    """A login as `oidc` that does not say which one project it is for: refused
    before any publisher is looked at, with `message` saying how to name it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_namespace(value: str) -> bool:
    return bool(NAMESPACE.match(value))


def is_oidc_username(username: str | None) -> bool:
    return username is not None and (
        username == JWT_USERNAME or username.startswith(f"{JWT_USERNAME}/")
    )


def login_namespace(username: str, scopes: list[Scope]) -> str:
    """The one project's namespace an `oidc` login is for; raises NamespaceUnclear.

    `oidc/<namespace>` names it (other namespaces' scopes are then granted
    nothing, as for any credential); plain `oidc` takes it from the repository
    scopes, which must all be in one namespace: a token request for two is
    refused rather than one of them guessed."""
    named = username.partition("/")[2]
    if named:
        if not is_namespace(named):
            raise NamespaceUnclear(
                f"{username[:80]!r} is not oidc/<namespace>: the namespace is your project's, "
                "e.g. oidc/shop."
            )
        return named
    asked = sorted({scope.name.split("/", 1)[0] for scope in scopes if scope.type == "repository"})
    if len(asked) == 1 and is_namespace(asked[0]):
        return asked[0]
    if not asked:
        raise NamespaceUnclear(
            "A login as oidc names no project: ask for a repository (docker push does), or log "
            "in as oidc/<namespace> (docker login asks for none)."
        )
    if len(asked) == 1:  # one, but none a project can have (`SHOP`, `..`)
        raise NamespaceUnclear(
            f"{asked[0][:63]!r} is not a project's namespace (lower-case letters, digits and "
            "dashes): ask for <namespace>/<repository>, or log in as oidc/<namespace>."
        )
    listed = ", ".join(name[:63] for name in asked[:5])
    raise NamespaceUnclear(
        f"A login as oidc is for one project's repositories; this one asks for {listed}. "
        "Log in as oidc/<namespace> to name the project."
    )


async def publishers_of(hostname: str, namespace: str) -> list[TrustedPublisher]:
    """The trusted publishers of one project's Nodion registry serving
    `hostname`: narrowed to the project (its namespace) in the query itself,
    so no other project's publisher is ever a candidate."""
    if not is_namespace(namespace):  # made-up text never reaches a query
        return []
    return await TrustedPublisher.filter(
        project__namespace=namespace,
        registry__hostname=hostname,
        registry__type=RegistryType.NODION,
    ).order_by("id")


async def mint(verified: Verified, ttl: int, pepper: bytes, now: datetime) -> Minted:
    """A credential for `ttl` seconds, never past the OIDC token's own expiry
    plus 15 minutes (a job cannot stretch a token it holds)."""
    expires_at = min(
        now + timedelta(seconds=ttl),
        datetime.fromtimestamp(verified.expires_at, UTC) + PAST_TOKEN_EXPIRY,
    )
    password = PUBLISHER_CREDENTIAL.new()
    username = credential_username(verified.publisher)
    # Expired credentials of any publisher go as new ones are made.
    await PublisherCredential.filter(expires_at__lte=now).delete()
    await PublisherCredential.create(
        publisher_id=verified.publisher.id,
        digest=token_digest(password, pepper),
        username=username,
        expires_at=expires_at,
        created_at=now,
    )
    return Minted(username, password, expires_at)


async def note_use(publisher: TrustedPublisher, now: datetime) -> None:
    """lastUsedAt, at most once a minute (a conditional UPDATE)."""
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    await TrustedPublisher.filter(Q(id=publisher.id) & stale).update(last_used_at=now)


def publisher_access(publisher: TrustedPublisher, hostname: str, not_after: int) -> Access:
    return Access(
        audience=hostname,
        actions=PULL_AND_PUSH,
        repository_globs=tuple(publisher.repositories),
        not_after=not_after,
    )


async def verify_minted(username: str, token: str, service: str, pepper: bytes) -> Access | None:
    """Token-endpoint verifier of `ntp_` credentials."""
    if not PUBLISHER_CREDENTIAL.is_well_formed(token):
        return None
    now = datetime.now(UTC)
    credential = (
        await PublisherCredential.filter(
            Q(digest=token_digest(token, pepper)) & Q(expires_at__gt=now)
        )
        .select_related("publisher__registry")
        .first()
    )
    if credential is None:
        log.info("Registry login refused: unknown, expired or withdrawn publisher credential")
        return None
    registry: Registry = credential.publisher.registry
    username_ok = hmac.compare_digest(username.encode(), credential.username.encode())
    service_ok = hmac.compare_digest(service.encode(), registry.hostname.encode())
    if not (username_ok and service_ok):
        return None
    return publisher_access(
        credential.publisher, registry.hostname, int(credential.expires_at.timestamp())
    )


class OidcLogins:
    """Token-endpoint verifier of a CI's OIDC token sent as the password of
    `oidc`: docker sends it again with every token request of a push, so it is
    accepted until its `exp` (only the exchange endpoint refuses a second use
    of its `jti`)."""

    def __init__(self, keys: IssuerKeys, settings: Settings) -> None:
        self.keys = keys
        self.settings = settings

    async def __call__(self, namespace: str, token: str, service: str) -> Access | None:
        """`namespace`: the one project the login is for (`login_namespace`)."""
        if not looks_like_jwt(token) or not serves(self.settings, service):
            return None
        try:
            candidates = await publishers_of(service, namespace)
            verified = await verify(token, service, candidates, self.keys, namespace=namespace)
        except Refused as refused:
            log.info("Registry login with an OIDC token refused (%d)", refused.status)
            return None
        publisher, now = verified.publisher, datetime.now(UTC)
        access = publisher_access(publisher, service, verified.expires_at)
        # While lastUsedAt is fresh (the usual case during a push) nothing is written.
        last = publisher.last_used_at
        if last is not None and now - last < LAST_USED_RESOLUTION:
            return access
        return replace(access, on_use=partial(note_use, publisher, now))
