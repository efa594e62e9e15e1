"""Trusted publishers of a Nodion registry: add, list, remove. Knows nothing of
GraphQL or of OIDC tokens (app/registries/oidc/ verifies and exchanges them).

Removing a publisher deletes it with every credential it minted (CASCADE): the
token endpoint reads them from the database on every login, so the next login
with one is refused on every worker at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from app.accounts.models import User
from app.audit.service import record
from app.errors import Conflict, NotFound, NotSupported, ValidationFailed
from app.projects.access import check_role, role_in
from app.projects.models import Project, Role
from app.registries.ca_certificates import normalize_ca_certificate
from app.registries.models import PublisherProvider, Registry, RegistryType, TrustedPublisher
from app.registries.oidc import conditions as rules
from app.registries.references import is_repository_name
from app.registries.settings import RegistriesSettings
from app.settings import Settings
from app.transactions import atomic

MAX_PUBLISHERS = 50
MAX_REPOSITORY_PATTERNS = 20
GITLAB_DEFAULT_ISSUER = "https://gitlab.com"
GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
# A repository glob: the repository grammar's characters and `*`.
REPOSITORY_GLOB = re.compile(r"^[a-z0-9*]+(?:[._/-]+[a-z0-9*]+)*\Z")


@dataclass(frozen=True)
class PublisherSpec:
    """`addTrustedPublisher`'s input as the rules see it; None: not given."""

    provider: PublisherProvider
    issuer: str | None = None
    audience: str | None = None
    ca_certificate: str | None = None
    repository: str | None = None
    workflow: str | None = None
    environment: str | None = None
    ref: str | None = None
    project_path: str | None = None
    ref_type: str | None = None
    subject: str | None = None
    claims: Mapping[str, str] = field(default_factory=dict)
    repositories: list[str] | None = None


# The input fields (GraphQL names) each provider takes; any other given is refused.
APPLIES = {
    # caCertificate: GitHub Enterprise Server may sit behind a private CA.
    PublisherProvider.GITHUB_ACTIONS: {
        "audience",
        "caCertificate",
        "repository",
        "workflow",
        "environment",
        "ref",
    },
    PublisherProvider.GITLAB: {
        "issuer",
        "audience",
        "caCertificate",
        "projectPath",
        "ref",
        "refType",
        "environment",
    },
    PublisherProvider.CUSTOM_OIDC: {"issuer", "audience", "caCertificate", "subject", "claims"},
}


def _given(spec: PublisherSpec) -> dict[str, object]:
    values: dict[str, object] = {
        "issuer": spec.issuer,
        "audience": spec.audience,
        "caCertificate": spec.ca_certificate,
        "repository": spec.repository,
        "workflow": spec.workflow,
        "environment": spec.environment,
        "ref": spec.ref,
        "projectPath": spec.project_path,
        "refType": spec.ref_type,
        "subject": spec.subject,
        "claims": spec.claims or None,
    }
    return {name: value for name, value in values.items() if value is not None}


def check_https_issuer(issuer: str) -> str:
    cleaned = issuer.strip().rstrip("/")
    if not _is_plain_https_url(cleaned):
        raise ValidationFailed(
            "issuer",
            "The issuer is the https URL its tokens carry as `iss`, e.g. https://gitlab.com.",
        )
    return cleaned


def _is_plain_https_url(url: str) -> bool:
    # Control characters, spaces and ports httpx cannot use were stored, and then
    # made every exchange of a token naming that issuer a 500 (httpx.InvalidURL).
    if len(url) > 500 or not url.isprintable() or " " in url:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unbalanced or invalid [IPv6] host, a port that is no number
        return False
    return (
        parts.scheme == "https"
        and bool(parts.hostname)
        and port != 0
        and not (parts.query or parts.fragment or parts.username or parts.password)
    )


def _same_issuer(one: str, other: str) -> bool:
    """Equal as issuers: host case, a fully qualified host's final dot (DNS
    resolves `github.com.` as `github.com`) and a written default port aside."""
    a, b = urlsplit(one), urlsplit(other)
    return (
        a.scheme == b.scheme
        and _host(a.hostname) == _host(b.hostname)
        and (a.port or 443) == (b.port or 443)
        and a.path.rstrip("/") == b.path.rstrip("/")
    )


def _host(hostname: str | None) -> str:
    return (hostname or "").lower().removesuffix(".")


def built_in_provider(issuer: str, settings: Settings) -> PublisherProvider | None:
    """The built-in provider whose tokens `issuer` signs, if one does."""
    for builtin, provider in (
        (RegistriesSettings.of(settings).github_oidc_issuer, PublisherProvider.GITHUB_ACTIONS),
        (GITHUB_ACTIONS_ISSUER, PublisherProvider.GITHUB_ACTIONS),
        (GITLAB_DEFAULT_ISSUER, PublisherProvider.GITLAB),
    ):
        if _same_issuer(issuer, builtin.rstrip("/")):
            return provider
    return None


def _check_not_built_in(issuer: str, provider: PublisherProvider, settings: Settings) -> None:
    """A built-in provider's issuer is taken with that provider only: it
    requires the claim that names the repository or project (`repository`,
    `project_path`) to be exact, where a custom publisher compares whatever
    it is given (a subject `*` let every GitHub repository in)."""
    owner = built_in_provider(issuer, settings)
    if owner is None or owner is provider:
        return
    label = {
        PublisherProvider.GITHUB_ACTIONS: "GITHUB_ACTIONS with its `repository` (owner/name)",
        PublisherProvider.GITLAB: "GITLAB with its `projectPath` (group/project)",
    }[owner]
    raise ValidationFailed(
        "issuer",
        f"{issuer} is the issuer of {owner.value} tokens; choose the provider {label}, "
        "which binds the repository, instead of "
        f"{provider.value}.",
    )


def is_repository_glob(pattern: str) -> bool:
    """Each `*` standing for one or more name characters, is it a repository
    name? `shop/../shopx/*` and `shop//*` are not (REPOSITORY_GLOB let both
    through): every path component must be one the registry accepts."""
    return is_repository_name(pattern.replace("*", "x"))


def check_repositories(patterns: list[str] | None, namespace: str) -> list[str]:
    if patterns is None:
        return [f"{namespace}/*"]
    if not 1 <= len(patterns) <= MAX_REPOSITORY_PATTERNS:
        raise ValidationFailed(
            "repositories", f"List 1 to {MAX_REPOSITORY_PATTERNS} repositories (globs)."
        )
    cleaned = []
    for pattern in patterns:
        value = pattern.strip()
        if (
            not value.startswith(f"{namespace}/")
            or len(value) > 255
            or not REPOSITORY_GLOB.match(value)
            or not is_repository_glob(value)
        ):
            raise ValidationFailed(
                "repositories",
                f"Each repository is under the project's namespace, e.g. {namespace}/app or "
                f"{namespace}/* ({value[:80]!r} is not).",
            )
        cleaned.append(value)
    return list(dict.fromkeys(cleaned))


def _check_audience(audience: str | None, hostname: str) -> str:
    if audience is None:
        return hostname
    cleaned = audience.strip()
    if not 1 <= len(cleaned) <= 261 or not cleaned.isprintable():
        raise ValidationFailed("audience", "The audience is 1 to 261 printable characters.")
    return cleaned


async def _registry_for(actor: User, registry_id: int, required: Role) -> Registry:
    registry = await Registry.get_or_none(id=registry_id)
    role = await role_in(actor, registry.project_id) if registry else None
    check_role(role, required, what="registry")
    assert registry is not None
    if registry.type is not RegistryType.NODION:
        raise NotSupported("Only Nodion registries have trusted publishers.")
    return registry


async def add_publisher(
    actor: User, registry_id: int, spec: PublisherSpec, settings: Settings
) -> TrustedPublisher:
    registry = await _registry_for(actor, registry_id, Role.ADMIN)
    provider = spec.provider
    for name in _given(spec):
        if name not in APPLIES[provider]:
            raise ValidationFailed(
                name,
                f"{name} does not apply to a {provider.value} trusted publisher; leave it out.",
            )
    ca_certificate = None
    if provider is PublisherProvider.GITHUB_ACTIONS:
        issuer = RegistriesSettings.of(settings).github_oidc_issuer.rstrip("/")
        conditions = rules.github_conditions(
            spec.repository, spec.workflow, spec.environment, spec.ref
        )
    elif provider is PublisherProvider.GITLAB:
        issuer = check_https_issuer(spec.issuer or GITLAB_DEFAULT_ISSUER)
        _check_not_built_in(issuer, provider, settings)
        conditions = rules.gitlab_conditions(
            spec.project_path, spec.ref, spec.ref_type, spec.environment
        )
    else:
        if spec.issuer is None:
            raise ValidationFailed(
                "issuer", "A CUSTOM_OIDC publisher needs its issuer's https URL."
            )
        issuer = check_https_issuer(spec.issuer)
        _check_not_built_in(issuer, provider, settings)
        conditions = rules.custom_conditions(spec.subject, spec.claims)
    if spec.ca_certificate is not None:
        ca_certificate = normalize_ca_certificate(spec.ca_certificate)
    project = await Project.get_or_none(id=registry.project_id)
    if project is None:  # removed since its registry was read
        raise NotFound("No registry with this ID exists, or you are not a member of its project.")
    repositories = check_repositories(spec.repositories, project.namespace)
    audience = _check_audience(spec.audience, registry.hostname)
    now = datetime.now(UTC)
    async with atomic():
        # Locked, and read again: a registry (or project) removed since it was
        # read is said so; the insert broke the foreign key, a 500.
        if await Registry.filter(id=registry.id).select_for_update().first() is None:
            raise NotFound(
                "No registry with this ID exists, or you are not a member of its project."
            )
        if await TrustedPublisher.filter(registry_id=registry.id).count() >= MAX_PUBLISHERS:
            raise Conflict(f"A registry has at most {MAX_PUBLISHERS} trusted publishers.")
        publisher = await TrustedPublisher.create(
            registry_id=registry.id,
            project_id=registry.project_id,
            provider=provider,
            issuer=issuer,
            audience=audience,
            ca_certificate=ca_certificate,
            conditions=conditions,
            repositories=repositories,
            created_at=now,
            created_by=actor.email,
        )
        await audit(actor, registry, publisher, "trusted_publisher.added", provider.value)
    return publisher


async def remove_publisher(actor: User, publisher_id: int) -> TrustedPublisher:
    publisher = await TrustedPublisher.get_or_none(id=publisher_id)
    role = await role_in(actor, publisher.project_id) if publisher else None
    check_role(role, Role.ADMIN, what="trusted publisher")
    assert publisher is not None
    async with atomic():
        registry = await Registry.get(id=publisher.registry_id)
        # One DELETE takes its minted credentials with it (CASCADE).
        if not await TrustedPublisher.filter(id=publisher.id).delete():
            raise NotFound("This trusted publisher was removed already.")
        await audit(
            actor, registry, publisher, "trusted_publisher.removed", publisher.provider.value
        )
    return publisher


async def audit(
    actor: User | None,
    registry: Registry,
    publisher: TrustedPublisher,
    action: str,
    detail: str | None = None,
    actor_email: str | None = None,
) -> None:
    await record(
        project_id=registry.project_id,
        actor=actor,
        actor_email=actor_email,
        action=action,
        target_type="TrustedPublisher",
        target_id=publisher.id,
        target_name=f"{registry.name} / {publisher.display_name}"[:261],
        detail=detail[:64] if detail else None,
    )
