from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from app.registries.image_models import (
    ImageEvent,
    ImageRepository,
    ImageTag,
    ImageTagPush,
    RetentionPolicy,
)
from app.registries.statuses import VerificationStatus
from app.security.stored_secrets import EncryptedField
from app.security.tokens import TokenKind

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.projects.models import Project

__all__ = [
    "ACCESS_TOKEN_CIPHERTEXT",
    "MOVED_TOKEN_CIPHERTEXT",
    "PUBLISHER_CREDENTIAL",
    "REGISTRY_TOKEN",
    "TOKEN_CIPHERTEXT",
    "ExchangedJti",
    "ImageEvent",
    "ImageRepository",
    "ImageTag",
    "ImageTagPush",
    "PublisherCredential",
    "PublisherProvider",
    "Registry",
    "RegistryToken",
    "RegistryType",
    "RetentionPolicy",
    "TokenScope",
    "TrustedPublisher",
    "VerificationStatus",
]


class RegistryType(StrEnum):
    NODION = "NODION"
    DOCKER_HUB = "DOCKER_HUB"
    GHCR = "GHCR"
    CUSTOM = "CUSTOM"


class Registry(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "nodion.Project", related_name="registries", on_delete=fields.CASCADE
    )
    type = fields.CharEnumField(RegistryType, max_length=16)
    name = fields.CharField(max_length=100)
    hostname = fields.CharField(max_length=261)  # 253-char host + ":65535"
    region = fields.CharField(max_length=63, null=True)
    is_default = fields.BooleanField(default=False)
    username = fields.CharField(max_length=255, null=True)
    # A third-party registry's token: AES-GCM ciphertext bound to this row (see
    # app/security/crypto.py). A Nodion registry's tokens are `RegistryToken` rows.
    token_ciphertext = fields.BinaryField(null=True)
    # No longer written: a Nodion registry's token digests moved to
    # `registry_tokens` (migration 0009), where each token has its own.
    token_digest = fields.CharField(max_length=64, null=True, unique=True)
    # Third-party: the stored token's last four characters. Nodion: those of the
    # newest token that works (neither revoked nor replaced nor expired), as of
    # the last change of its tokens; NULL when none works.
    token_hint = fields.CharField(max_length=4, null=True)
    credentials_created_at = fields.DatetimeField(null=True)
    credentials_updated_at = fields.DatetimeField(null=True)
    # Nodion: when the last of its working tokens stops (NULL: one never does),
    # as of the last change of its tokens; with `token_hint` it answers
    # `has_credentials` without reading the tokens.
    credentials_end_at = fields.DatetimeField(null=True)
    # Nodion: the last use of any of its tokens.
    last_used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # PEM of a private CA to trust for a CUSTOM registry (public data, not a secret).
    ca_certificate = fields.TextField(null=True)
    verification_status = fields.CharEnumField(VerificationStatus, max_length=16, null=True)
    verification_message = fields.CharField(max_length=500, null=True)
    last_verified_at = fields.DatetimeField(null=True)
    # `TYPE hostname username` of a third-party registry (null for NODION, whose
    # fresh copies are how credentials rotate): one project cannot hold the same
    # registry twice, even when two requests add it at once.
    identity = fields.CharField(max_length=600, null=True)

    project_id: int

    class Meta:
        table = "registries"
        indexes = (("project_id", "region"),)
        unique_together = (("project", "identity"),)

    @property
    def has_credentials(self) -> bool:
        """Third-party: credentials are stored. Nodion: one of its tokens works."""
        if self.type is not RegistryType.NODION:
            return self.token_ciphertext is not None
        if self.token_hint is None:
            return False
        return self.credentials_end_at is None or self.credentials_end_at > datetime.now(UTC)

    @property
    def anonymous(self) -> bool:
        """A third-party registry without credentials pulls public images anonymously."""
        return self.type is not RegistryType.NODION and not self.has_credentials

    @staticmethod
    def identity_of(type: RegistryType, hostname: str, username: str | None) -> str | None:
        if type is RegistryType.NODION:
            return None
        return f"{type.value} {hostname} {username or ''}".rstrip()

    @property
    def encryption_context(self) -> str:
        return TOKEN_CIPHERTEXT.context_of(self.id)


REGISTRY_TOKEN = TokenKind("nrt_")
"""A NODION registry's generated access token (`docker login` password)."""

TOKEN_CIPHERTEXT = EncryptedField(
    Registry, "token_ciphertext", context="registry:{id}:token", label="registry"
)
"""The token of a registry's credentials, for verification, image checks and deploys."""


class TokenScope(StrEnum):
    PULL = "PULL"
    PUSH = "PUSH"  # push includes pull


class TokenStatus(StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRING = "EXPIRING"  # replaced by a rotation, working until its grace period ends
    EXPIRED = "EXPIRED"  # past its expiry or the end of its grace period
    REVOKED = "REVOKED"


class RegistryToken(Model):
    """An access token of a Nodion registry (`docker login` password). The secret
    is stored as its keyed digest (the token endpoint's lookup) and an encrypted
    copy; nothing returns either."""

    id = fields.IntField(primary_key=True)
    registry: fields.ForeignKeyRelation[Registry] = fields.ForeignKeyField(
        "nodion.Registry", related_name="tokens", on_delete=fields.CASCADE
    )
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "nodion.Project", related_name="registry_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    scope = fields.CharEnumField(TokenScope, max_length=8)
    digest = fields.CharField(max_length=64, unique=True)
    hint = fields.CharField(max_length=4)
    # Tokens made here: bound to `registry_token:<id>:token`. Tokens moved from
    # their registry row by migration 0009 keep the ciphertext they were written
    # with, bound to `registry:<registry id>:token`, in `moved_ciphertext`; the
    # migration gave each such row its registry's id, so both bindings name `{id}`.
    ciphertext = fields.BinaryField(null=True)
    moved_ciphertext = fields.BinaryField(null=True)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=254, null=True)  # an email, kept as text
    lifetime = fields.IntField(null=True)  # seconds from creation to expires_at
    expires_at = fields.DatetimeField(null=True)
    # Set by a rotation: the old token works until then, `replaced_by_id` took over.
    grace_ends_at = fields.DatetimeField(null=True)
    replaced_by_id = fields.IntField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    # The last `registry_token.expired_use` audit event (at most one an hour).
    expired_use_noted_at = fields.DatetimeField(null=True)

    registry_id: int
    project_id: int

    class Meta:
        table = "registry_tokens"
        indexes = (("registry_id", "id"),)

    @property
    def ends_at(self) -> datetime | None:
        """When it stops working: its expiry or the end of its grace period."""
        ends = [at for at in (self.expires_at, self.grace_ends_at) if at is not None]
        return min(ends) if ends else None

    def status_at(self, now: datetime) -> TokenStatus:
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        ends_at = self.ends_at
        if ends_at is not None and ends_at <= now:
            return TokenStatus.EXPIRED
        if self.grace_ends_at is not None:
            return TokenStatus.EXPIRING
        return TokenStatus.ACTIVE

    def works_at(self, now: datetime) -> bool:
        return self.status_at(now) in (TokenStatus.ACTIVE, TokenStatus.EXPIRING)


ACCESS_TOKEN_CIPHERTEXT = EncryptedField(
    RegistryToken, "ciphertext", context="registry_token:{id}:token", label="registry token"
)
"""A registry access token, kept encrypted as the registry's credentials were."""

MOVED_TOKEN_CIPHERTEXT = EncryptedField(
    RegistryToken, "moved_ciphertext", context="registry:{id}:token", label="moved registry token"
)
"""A token moved from its registry row by migration 0009, under the associated
data it was written with: the moved row's id is its registry's id."""


class PublisherProvider(StrEnum):
    """Whose OIDC tokens a trusted publisher accepts (app/registries/oidc/)."""

    GITHUB_ACTIONS = "GITHUB_ACTIONS"
    GITLAB = "GITLAB"
    CUSTOM_OIDC = "CUSTOM_OIDC"


class TrustedPublisher(Model):
    """A CI identity allowed to push to a Nodion registry without a stored
    secret: a job whose OIDC token (signed by `issuer`, for `audience`) has the
    claims `conditions` names gets a short-lived credential for `repositories`.

    `conditions` holds the provider's claim names and the values (exact or
    glob, see app/registries/oidc/conditions.py) they must have;
    `repositories` the repository globs it may push to, newline-separated."""

    id = fields.IntField(primary_key=True)
    registry: fields.ForeignKeyRelation[Registry] = fields.ForeignKeyField(
        "nodion.Registry", related_name="trusted_publishers", on_delete=fields.CASCADE
    )
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "nodion.Project", related_name="trusted_publishers", on_delete=fields.CASCADE
    )
    provider = fields.CharEnumField(PublisherProvider, max_length=16)
    issuer = fields.CharField(max_length=500)
    audience = fields.CharField(max_length=261)
    # PEM of a private CA the issuer's https is checked against (public data).
    ca_certificate = fields.TextField(null=True)
    conditions: dict[str, str] = fields.JSONField(default=dict)
    repositories: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=254, null=True)  # an email, kept as text
    last_used_at = fields.DatetimeField(null=True)

    registry_id: int
    project_id: int

    class Meta:
        table = "trusted_publishers"
        indexes = (("registry_id", "issuer"),)

    @property
    def display_name(self) -> str:
        """Its provider and first condition (the repository, project or subject):
        how the audit trail and the dashboard name it."""
        identity = next(iter(self.conditions.values()), "")
        return f"{self.provider.value} {identity}"[:200]


class PublisherCredential(Model):
    """A push credential minted by the OIDC exchange: its keyed digest, until
    it expires. Removing the publisher deletes its credentials (CASCADE), so
    the next login with one is refused on every worker."""

    id = fields.IntField(primary_key=True)
    publisher: fields.ForeignKeyRelation[TrustedPublisher] = fields.ForeignKeyField(
        "nodion.TrustedPublisher", related_name="credentials", on_delete=fields.CASCADE
    )
    digest = fields.CharField(max_length=64, unique=True)
    username = fields.CharField(max_length=100)
    expires_at = fields.DatetimeField(db_index=True)
    created_at = fields.DatetimeField()

    publisher_id: int

    class Meta:
        table = "publisher_credentials"


class ExchangedJti(Model):
    """The `jti` of every OIDC token exchanged, kept until the token's `exp`: a
    second exchange of the same token is refused by every worker (the unique
    index decides between racing ones)."""

    id = fields.IntField(primary_key=True)
    issuer = fields.CharField(max_length=500)
    jti = fields.CharField(max_length=255)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "exchanged_jtis"
        unique_together = (("issuer", "jti"),)


PUBLISHER_CREDENTIAL = TokenKind("ntp_")
"""A push credential minted for a trusted publisher by the OIDC exchange."""
