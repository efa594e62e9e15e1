"""Checking third-party registries over the network: credentials and images.

This is one of the two places third-party credentials are decrypted (the other
is the deploy-time hand-off); each use is an audit event.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from app.accounts.models import User
from app.errors import CredentialsUnreadable, NotSupported, ValidationFailed
from app.projects.models import Role
from app.registries.models import Registry, RegistryType, VerificationStatus
from app.registries.references import is_reference, is_repository_name
from app.registries.service import audit, registry_for
from app.registries.v2_client import Outcome, RegistryClient
from app.security.crypto import DecryptionError
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound

log = logging.getLogger(__name__)
MANAGED = "Nodion registries are run by Nodion; only third-party registries are checked."


def stored_credentials(registry: Registry, keys: ServiceKeys) -> tuple[str, str] | None:
    if registry.token_ciphertext is None or registry.username is None:
        return None
    try:
        token = keys.keyring.decrypt(registry.token_ciphertext, context=registry.encryption_context)
    except DecryptionError as error:
        log.warning("Registry %s: %s", registry.id, error)  # names the key id, no secret
        raise CredentialsUnreadable(
            "The stored credentials of this registry cannot be decrypted with the service's "
            "keys. An operator must restore the encryption key they were written with, or "
            "set them again with updateCredentials."
        ) from None
    return registry.username, token


async def verify_registry(
    actor: User, registry_id: int, outbound: Outbound, keys: ServiceKeys
) -> tuple[Registry, Outcome]:
    registry = await registry_for(actor, registry_id, Role.DEVELOPER)
    if registry.type is RegistryType.NODION:
        raise NotSupported(MANAGED)
    client = RegistryClient(
        outbound, registry.hostname, stored_credentials(registry, keys), registry.ca_certificate
    )
    outcome = await client.verify()
    registry.verification_status = VerificationStatus(outcome.status)
    registry.verification_message = outcome.message[:500]
    registry.last_verified_at = datetime.now(UTC)
    await registry.save(
        update_fields=["verification_status", "verification_message", "last_verified_at"]
    )
    await audit(actor, registry, "registry.verified", outcome.status)
    return registry, outcome


async def check_image(
    actor: User,
    registry_id: int,
    image: str,
    reference: str,
    outbound: Outbound,
    keys: ServiceKeys,
) -> Outcome:
    if not is_repository_name(image):
        raise ValidationFailed(
            "image", "Image names are lower-case path components like team/app or nginx."
        )
    if not is_reference(reference):
        raise ValidationFailed(
            "tag", "A tag is up to 128 letters, digits, '_', '.' or '-' (or a sha256: digest)."
        )
    registry = await registry_for(actor, registry_id, Role.DEVELOPER)
    if registry.type is RegistryType.NODION:
        raise NotSupported(MANAGED)
    client = RegistryClient(
        outbound, registry.hostname, stored_credentials(registry, keys), registry.ca_certificate
    )
    outcome = await client.check_image(image, reference)
    await audit(actor, registry, "registry.image_checked", outcome.status)
    return outcome
