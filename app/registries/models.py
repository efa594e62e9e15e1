from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from app.registries.statuses import VerificationStatus
from app.security.stored_secrets import EncryptedField
from app.security.tokens import TokenKind

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.projects.models import Project

__all__ = ["REGISTRY_TOKEN", "TOKEN_CIPHERTEXT", "Registry", "RegistryType", "VerificationStatus"]


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
    # AES-GCM ciphertext bound to this row (see app/security/crypto.py).
    token_ciphertext = fields.BinaryField(null=True)
    # Keyed digest of a NODION access token, for one indexed lookup at login.
    token_digest = fields.CharField(max_length=64, null=True, unique=True)
    token_hint = fields.CharField(max_length=4, null=True)
    credentials_created_at = fields.DatetimeField(null=True)
    credentials_updated_at = fields.DatetimeField(null=True)
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
        return self.token_ciphertext is not None

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
