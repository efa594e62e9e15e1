"""Disclosing a registry's stored credentials: decrypted by the one module that
decrypts stored secrets (app/security/stored_secrets.py), for a `Purpose` every
caller names; every disclosure is an audit event that names the registry and the
purpose, never the secret. Verification and image
checks send the credentials to the registry itself; the deploy hand-off sends
them to the deploy target that pulls the image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.audit.service import record
from app.registries.errors import CredentialsUnreadable
from app.registries.models import TOKEN_CIPHERTEXT, Registry
from app.security.crypto import DecryptionError
from app.security.keys import ServiceKeys
from app.security.stored_secrets import reveal


class Purpose(StrEnum):
    VERIFICATION = "verification"
    IMAGE_CHECK = "image_check"
    DEPLOYMENT = "deployment"


@dataclass(frozen=True)
class Credentials:
    username: str
    token: str = field(repr=False)  # never in a log line or a traceback


async def disclose(
    registry: Registry,
    keys: ServiceKeys,
    purpose: Purpose,
    *,
    actor: Any | None = None,
    actor_email: str | None = None,
    detail: str | None = None,
) -> Credentials | None:
    """The stored credentials of a third-party registry (None when anonymous),
    decrypted for `purpose` and recorded as `credentials.disclosed`."""
    if registry.token_ciphertext is None or registry.username is None:
        return None
    try:
        token = reveal(TOKEN_CIPHERTEXT, registry, keys, why=purpose.value)
    except DecryptionError:  # logged by `reveal`, naming the key id, no secret
        raise CredentialsUnreadable(
            "The stored credentials of this registry cannot be decrypted with the service's "
            "keys. An operator must restore the encryption key they were written with, or "
            "set them again with updateCredentials."
        ) from None
    await record(
        project_id=registry.project_id,
        actor=actor,
        actor_email=actor_email,
        action="credentials.disclosed",
        target_type="Registry",
        target_id=registry.id,
        target_name=registry.name,
        detail=f"{purpose.value}:{detail}"[:64] if detail else purpose.value,
    )
    return Credentials(registry.username, token)
