"""Checking third-party registries over the network: credentials and images."""

from __future__ import annotations

from datetime import UTC, datetime

from app.accounts.models import User
from app.errors import NotSupported, ValidationFailed
from app.projects.models import Role
from app.registries.credentials import Purpose, disclose
from app.registries.hostnames import normalize_hostname
from app.registries.metrics import record_outbound_check
from app.registries.models import Registry, RegistryType, VerificationStatus
from app.registries.providers import PROVIDERS
from app.registries.references import is_reference, is_repository_name
from app.registries.service import audit, registry_for
from app.registries.v2_client import Outcome, RegistryClient
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound

MANAGED = "Nodion registries are run by Nodion; only third-party registries are checked."


async def _client(
    actor: User, registry: Registry, outbound: Outbound, keys: ServiceKeys, purpose: Purpose
) -> RegistryClient:
    if registry.type is RegistryType.NODION:
        raise NotSupported(MANAGED)
    _check_stored_hostname(registry)
    credentials = await disclose(registry, keys, purpose, actor=actor)
    return RegistryClient(
        outbound,
        PROVIDERS[registry.type].api_host_for(registry.hostname),
        (credentials.username, credentials.token) if credentials else None,
        registry.ca_certificate,
    )


def _check_stored_hostname(registry: Registry) -> None:
    """Rows saved before hostnames were checked this strictly (`0177.0.0.1`,
    `xn--a`) are refused here, by the same rule, instead of failing in the HTTP
    client; no connection is attempted."""
    if PROVIDERS[registry.type].fixed_hostname:
        return
    try:
        normalize_hostname(registry.hostname)
    except ValidationFailed as invalid:
        raise ValidationFailed(
            "hostname",
            f"{invalid.message} This registry was saved before that was checked: remove it "
            "and add it again with a valid hostname.",
        ) from None


async def verify_registry(
    actor: User, registry_id: int, outbound: Outbound, keys: ServiceKeys
) -> tuple[Registry, Outcome]:
    registry = await registry_for(actor, registry_id, Role.DEVELOPER)
    client = await _client(actor, registry, outbound, keys, Purpose.VERIFICATION)
    outcome = await client.verify()
    record_outbound_check(outcome.status)
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
    client = await _client(actor, registry, outbound, keys, Purpose.IMAGE_CHECK)
    name = PROVIDERS[registry.type].api_repository(registry.hostname, image)
    outcome = await client.check_image(name, reference)
    record_outbound_check(outcome.status)
    await audit(actor, registry, "registry.image_checked", outcome.status)
    return outcome
