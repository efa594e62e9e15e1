"""The rules of registries: adding, credentials, removal. Knows nothing of GraphQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from app.accounts.models import User
from app.audit.service import record
from app.errors import Conflict, NotSupported, ValidationFailed
from app.events import Hooks
from app.projects.access import check_role, project_for, role_in
from app.projects.models import Project, Role
from app.projects.service import clean_name
from app.registries.access_tokens import IssuedCredentials, generate_first_token
from app.registries.ca_certificates import normalize_ca_certificate
from app.registries.errors import CredentialsAlreadyGenerated, VerificationFailed
from app.registries.events import REGISTRY_REMOVING
from app.registries.hostnames import normalize_hostname, refuse_managed_hostname
from app.registries.models import Registry, RegistryType, VerificationStatus
from app.registries.providers import PROVIDERS, Provider
from app.registries.statuses import CheckStatus
from app.registries.v2_client import RegistryClient
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.security.tokens import token_hint
from app.settings import Settings
from app.transactions import atomic

USERNAME_MAX_LENGTH = 255
TOKEN_MAX_LENGTH = 4096
ROTATION_HINT = (
    "A Nodion registry's tokens are managed with createRegistryToken (another token, "
    "PULL or PUSH, optionally expiring), rotateRegistryToken (a new token, the old one "
    "working for a grace period) and revokeRegistryToken (stops one at once)."
)


@dataclass(frozen=True)
class NewRegistry:
    type: RegistryType
    name: str | None = None
    hostname: str | None = None
    region: str | None = None
    username: str | None = None
    token: str | None = field(default=None, repr=False)
    ca_certificate: str | None = None
    verify: bool = True


async def registry_for(user: User, registry_id: int, required: Role) -> Registry:
    registry = await Registry.get_or_none(id=registry_id)
    role = await role_in(user, registry.project_id) if registry else None
    check_role(role, required, what="registry")
    assert registry is not None
    return registry


def _third_party_credentials(username: str | None, token: str | None) -> tuple[str, str] | None:
    username = (username or "").strip() or None
    token = token or None
    if username is None and token is None:
        return None
    if username is None:
        raise ValidationFailed("username", "Enter the username that goes with this token.")
    if token is None:
        raise ValidationFailed("token", "Enter the token or password for this username.")
    if len(username) > USERNAME_MAX_LENGTH or ":" in username or not username.isprintable():
        raise ValidationFailed(
            "username",
            f"Username must be printable, without ':', at most {USERNAME_MAX_LENGTH} characters.",
        )
    if len(token) > TOKEN_MAX_LENGTH or token != token.strip() or not token.isprintable():
        raise ValidationFailed(
            "token",
            f"Token must be printable, without surrounding spaces, at most {TOKEN_MAX_LENGTH} "
            "characters.",
        )
    return username, token


async def _verified_status(
    verify: bool,
    outbound: Outbound,
    provider: Provider,
    hostname: str,
    credentials: tuple[str, str] | None,
    ca_certificate: str | None,
) -> VerificationStatus:
    """Check the registry before anything is stored; a failure stores nothing."""
    if not verify:
        return VerificationStatus.NOT_VERIFIED
    client = RegistryClient(outbound, provider.api_host_for(hostname), credentials, ca_certificate)
    outcome = await client.verify()
    if outcome.status is not CheckStatus.OK:
        raise VerificationFailed(outcome.status, outcome.message)
    return VerificationStatus.OK


async def add_registry(
    actor: User,
    project_id: int,
    spec: NewRegistry,
    settings: Settings,
    keys: ServiceKeys,
    outbound: Outbound,
) -> Registry:
    project = await project_for(actor, project_id, Role.ADMIN)
    if spec.type is RegistryType.NODION:
        return await _add_managed_registry(actor, project, spec, settings)
    provider = PROVIDERS[spec.type]
    if spec.region is not None:
        raise ValidationFailed("region", "Only Nodion registries belong to a region.")
    hostname = provider_hostname(provider, spec.hostname, settings)
    name = clean_name(spec.name) if spec.name is not None else default_name(provider, hostname)
    credentials = _third_party_credentials(spec.username, spec.token)
    ca_certificate = None
    if spec.ca_certificate:
        if not provider.accepts_ca_certificate:
            raise ValidationFailed(
                "caCertificate", f"A {provider.display_name} registry takes no CA certificate."
            )
        ca_certificate = normalize_ca_certificate(spec.ca_certificate)
    identity = Registry.identity_of(spec.type, hostname, credentials[0] if credentials else None)
    await _refuse_twin(project.id, identity)
    status = await _verified_status(
        spec.verify, outbound, provider, hostname, credentials, ca_certificate
    )
    try:
        async with atomic():
            registry = await Registry.create(
                project=project,
                type=spec.type,
                name=name,
                hostname=hostname,
                identity=identity,
                ca_certificate=ca_certificate,
                verification_status=status,
                last_verified_at=datetime.now(UTC) if spec.verify else None,
            )
            if credentials:
                await _store_third_party_credentials(registry, *credentials, keys=keys, first=True)
            await audit(actor, registry, "registry.added")
    except IntegrityError:
        await _refuse_twin(project.id, identity)  # a racing add of the same registry won
        raise
    return registry


def provider_hostname(provider: Provider, hostname: str | None, settings: Settings) -> str:
    """Docker Hub and GHCR live at one known place (an alias of it is stored as
    the place itself); any other host is a CUSTOM registry."""
    if provider.fixed_hostname:
        assert provider.default_hostname is not None
        given = (hostname or "").strip().lower()
        if given and given != provider.default_hostname and given not in provider.aliases:
            raise ValidationFailed(
                "hostname",
                f"{provider.display_name} is at {provider.default_hostname}; for a registry "
                f"at {given}, add it as type CUSTOM.",
            )
        return provider.default_hostname
    normalized = normalize_hostname(hostname or "")
    refuse_managed_hostname(normalized, settings.registry_domain)
    return normalized


def default_name(provider: Provider, hostname: str) -> str:
    """Docker Hub and GHCR by their names; a custom registry by its host."""
    return provider.default_name if provider.fixed_hostname else hostname


async def _refuse_twin(
    project_id: int, identity: str | None, *, other_than: int | None = None
) -> None:
    if identity is None:
        return
    twin = await Registry.filter(project_id=project_id, identity=identity).first()
    if twin is not None and twin.id != other_than:
        where = "" if twin.hostname in twin.name else f" at {twin.hostname}"
        who = f"with username {twin.username}" if twin.username else "without credentials"
        raise Conflict(
            f"This project already has the registry {twin.name!r}{where}, {who}; update "
            "its credentials instead of adding it again."
        )


async def _add_managed_registry(
    actor: User, project: Project, spec: NewRegistry, settings: Settings
) -> Registry:
    if not spec.region:
        raise ValidationFailed("region", "Choose the region of the new Nodion registry.")
    region = settings.region(spec.region)
    if region is None:
        known = ", ".join(r.slug for r in settings.regions)
        raise ValidationFailed("region", f"Unknown region {spec.region!r}; choose one of: {known}.")
    if spec.hostname:
        raise ValidationFailed("hostname", "A Nodion registry's hostname is set by its region.")
    if spec.username or spec.token:
        raise ValidationFailed(
            "token", "Nodion registries make their own credentials: use generateCredentials."
        )
    name = clean_name(spec.name) if spec.name is not None else f"Nodion Registry ({region.name})"
    async with atomic():
        registry = await Registry.create(
            project=project,
            type=RegistryType.NODION,
            name=name,
            hostname=settings.registry_hostname(region.slug),
            region=region.slug,
            is_default=False,
        )
        await audit(actor, registry, "registry.added")
    return registry


async def generate_credentials(
    actor: User, registry_id: int, keys: ServiceKeys
) -> tuple[Registry, IssuedCredentials]:
    """The registry's first access token (`default`, PUSH, no expiry), once."""
    registry = await registry_for(actor, registry_id, Role.ADMIN)
    if registry.type is not RegistryType.NODION:
        raise NotSupported(
            "Only Nodion registries generate credentials; set a third-party registry's "
            "credentials with updateCredentials."
        )
    first = await generate_first_token(actor, registry.id, keys)
    if first is None:
        raise CredentialsAlreadyGenerated(
            "Credentials for this registry were already generated and cannot be shown "
            "again. " + ROTATION_HINT
        )
    registry, _, made = first
    await audit(actor, registry, "credentials.generated")
    return registry, made


async def update_credentials(
    actor: User,
    registry_id: int,
    username: str | None,
    token: str | None,
    keys: ServiceKeys,
    outbound: Outbound,
    *,
    verify: bool = True,
) -> Registry:
    registry = await registry_for(actor, registry_id, Role.ADMIN)
    if registry.type is RegistryType.NODION:
        raise NotSupported(ROTATION_HINT)
    credentials = _third_party_credentials(username, token)
    identity = Registry.identity_of(
        registry.type, registry.hostname, credentials[0] if credentials else None
    )
    await _refuse_twin(registry.project_id, identity, other_than=registry.id)
    registry.verification_status = await _verified_status(
        verify,
        outbound,
        PROVIDERS[registry.type],
        registry.hostname,
        credentials,
        registry.ca_certificate,
    )
    registry.last_verified_at = datetime.now(UTC) if verify else None
    registry.verification_message = None
    registry.identity = identity
    async with atomic():
        if credentials:
            await _store_third_party_credentials(registry, *credentials, keys=keys, first=False)
        else:
            registry.username = None
            registry.token_ciphertext = None
            registry.token_hint = None
            registry.credentials_updated_at = datetime.now(UTC)
            await registry.save()
        await audit(actor, registry, "credentials.updated")
    return registry


async def _store_third_party_credentials(
    registry: Registry, username: str, token: str, *, keys: ServiceKeys, first: bool
) -> None:
    # The row id is part of the associated data, so this runs after the insert.
    now = datetime.now(UTC)
    registry.username = username
    registry.token_ciphertext = keys.keyring.encrypt(token, context=registry.encryption_context)
    registry.token_hint = token_hint(token)
    if first or registry.credentials_created_at is None:
        registry.credentials_created_at = now
    registry.credentials_updated_at = now
    await registry.save()


async def remove_registry(actor: User, registry_id: int, hooks: Hooks) -> Registry:
    """`hooks` let other domains move off the registry or refuse while they
    still use it; they run after a successor became the region's default."""
    registry = await registry_for(actor, registry_id, Role.ADMIN)
    async with atomic():
        if registry.type is RegistryType.NODION:
            await _hand_over_default(registry)
        await hooks.run(REGISTRY_REMOVING, registry)
        # Deleting the row deletes its digest, so the token stops working at once.
        await registry.delete()
        await audit(actor, registry, "registry.removed")
    return registry


async def _hand_over_default(leaving: Registry) -> None:
    """Keep exactly one default Nodion registry per region. The region's rows are
    locked and read again inside the transaction, so two removals at once cannot
    both see a successor that the other one is removing (PostgreSQL; SQLite
    serialises write transactions anyway)."""
    region_rows = (
        await Registry.filter(
            project_id=leaving.project_id, type=RegistryType.NODION, region=leaving.region
        )
        .order_by("-created_at", "-id")
        .select_for_update()
    )
    current = next((row for row in region_rows if row.id == leaving.id), None)
    if current is None or not current.is_default:
        return
    successor = next((row for row in region_rows if row.id != leaving.id), None)
    if successor is None:
        raise Conflict(
            f"This is the only Nodion registry of region {leaving.region}; add a fresh "
            "Nodion registry in that region first, then remove this one."
        )
    await Registry.filter(id=successor.id).update(is_default=True)


async def audit(
    actor: User | None, registry: Registry, action: str, detail: str | None = None
) -> None:
    await record(
        project_id=registry.project_id,
        actor=actor,
        action=action,
        target_type="Registry",
        target_id=registry.id,
        target_name=registry.name,
        detail=detail,
    )
