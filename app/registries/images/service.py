"""The rules of the images index: deleting a tag, retention policies. Knows
nothing of GraphQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.accounts.models import User
from app.audit.service import record
from app.errors import Conflict, NotFound, NotSupported, ValidationFailed
from app.events import Hooks
from app.projects.models import Project, Role
from app.registries.errors import RegistryUnreachable
from app.registries.events import IMAGE_DELETING
from app.registries.image_models import ImageRepository, ImageTag, RetentionPolicy
from app.registries.images.registry_api import RegistryApi, RegistryApiError
from app.registries.images.stats import refresh_stats
from app.registries.models import Registry, RegistryType
from app.registries.references import TAG, is_repository_name
from app.registries.service import registry_for
from app.security.keys import ServiceKeys
from app.settings import Settings
from app.transactions import atomic

MAX_GLOBS = 50
GLOB_CHARACTERS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class DeletedTag:
    registry: Registry
    repository: str
    tag: str
    digest: str
    also_removed: list[str]
    """Other tags of the same manifest, which went with it."""


def _managed(registry: Registry) -> str:
    if registry.type is not RegistryType.NODION or registry.region is None:
        raise NotSupported("Only Nodion registries hold an images index.")
    return registry.region


async def tag_of(registry: Registry, repository: str, tag: str) -> tuple[ImageRepository, ImageTag]:
    region = _managed(registry)
    if not is_repository_name(repository) or not TAG.match(tag):
        raise NotFound("No such tag in this registry.")
    row = await ImageRepository.get_or_none(
        region=region, name=repository, project_id=registry.project_id
    )
    found = await ImageTag.get_or_none(repository_id=row.id, name=tag) if row else None
    if row is None or found is None:
        raise NotFound(f"No tag {repository}:{tag} in this registry.")
    return row, found


async def delete_manifest(
    settings: Settings,
    keys: ServiceKeys,
    registry: Registry,
    repository: ImageRepository,
    digest: str,
    *,
    actor: User | None,
    actor_email: str | None = None,
    detail: str,
) -> None:
    """Deletes the manifest in the registry (distribution deletes every tag of
    it), then its tags from the index, recounting the repository, in one
    transaction with the audit event. RegistryUnreachable: nothing was deleted."""
    region = settings.region(repository.region)
    if region is None:
        raise RegistryUnreachable(f"Region {repository.region} is not configured any more.")
    try:
        async with RegistryApi(settings, keys, region) as api:
            await api.delete_manifest(repository.name, digest)
    except RegistryApiError as error:
        raise RegistryUnreachable(f"Nothing was deleted: {error}.") from None
    async with atomic() as connection:
        await ImageTag.filter(repository_id=repository.id, digest=digest).delete()
        await refresh_stats(connection, [repository.id])
        await record(
            project_id=registry.project_id,
            actor=actor,
            actor_email=actor_email,
            action="image_tag.deleted",
            target_type="Registry",
            target_id=registry.id,
            target_name=registry.name,
            detail=detail[:64],
        )


async def delete_image_tag(
    actor: User,
    registry_id: int,
    repository: str,
    tag: str,
    *,
    force: bool,
    settings: Settings,
    keys: ServiceKeys,
    hooks: Hooks,
) -> DeletedTag:
    """Deletes the tag's manifest in the registry, and with it every tag of that
    manifest (distribution deletes by digest). Refused (Conflict) while an
    application or a recent deployment uses the digest, or other tags share it,
    unless `force`."""
    registry = await registry_for(actor, registry_id, Role.ADMIN)
    row, found = await tag_of(registry, repository, tag)
    siblings = [
        str(name)
        for name in await ImageTag.filter(repository_id=row.id, digest=found.digest)
        .exclude(id=found.id)
        .order_by("name")
        .values_list("name", flat=True)
    ]
    if not force:
        await hooks.run(IMAGE_DELETING, registry.project_id, row.region, repository, found.digest)
        if siblings:
            raise Conflict(
                f"Tags {', '.join(siblings[:10])} point at the same manifest and would be "
                "deleted with it; delete with force to delete them all."
            )
    await delete_manifest(
        settings,
        keys,
        registry,
        row,
        found.digest,
        actor=actor,
        detail=("forced: " if force else "") + f"{repository}:{tag}",
    )
    return DeletedTag(registry, repository, tag, found.digest, siblings)


@dataclass(frozen=True)
class NewRetentionPolicy:
    keep_last: int | None
    older_than_days: int | None
    repositories: list[str]


def _check_glob(glob: str, namespace: str) -> None:
    """Refuses what could never match one of the project's repositories (full
    names, `<namespace>/…`), and what cannot be stored: a lone surrogate was a
    500 (the JSON column's encoder), a control character a policy nobody sees."""
    head = glob.split("/", 1)[0]
    literal_head = not GLOB_CHARACTERS.search(head)
    if not glob.isprintable() or (literal_head and (head != namespace or "/" not in glob)):
        raise ValidationFailed(
            "repositories",
            f"Globs match full repository names, e.g. {namespace}/* or {namespace}/web-* "
            f"({glob[:80]!r} matches none of this project's).",
        )


async def set_retention_policy(
    actor: User, registry_id: int, spec: NewRetentionPolicy
) -> RetentionPolicy | None:
    """None: both limits unset, the policy is removed (nothing is deleted)."""
    registry = await registry_for(actor, registry_id, Role.ADMIN)
    _managed(registry)
    if spec.keep_last is not None and not 0 <= spec.keep_last <= 10_000:
        raise ValidationFailed("keepLast", "keepLast is from 0 to 10000.")
    if spec.older_than_days is not None and not 0 <= spec.older_than_days <= 36_500:
        raise ValidationFailed("olderThanDays", "olderThanDays is from 0 to 36500.")
    globs = [glob.strip() for glob in spec.repositories if glob.strip()]
    if len(globs) > MAX_GLOBS or any(len(glob) > 255 for glob in globs):
        raise ValidationFailed("repositories", f"At most {MAX_GLOBS} globs of 255 characters.")
    namespace = (await Project.get(id=registry.project_id)).namespace
    for glob in globs:
        _check_glob(glob, namespace)
    async with atomic():
        await RetentionPolicy.filter(registry_id=registry.id).delete()
        policy = None
        if spec.keep_last is not None or spec.older_than_days is not None:
            policy = await RetentionPolicy.create(
                registry=registry,
                keep_last=spec.keep_last,
                older_than_days=spec.older_than_days,
                repositories=globs,
            )
        await record(
            project_id=registry.project_id,
            actor=actor,
            action="retention_policy.set" if policy else "retention_policy.removed",
            target_type="Registry",
            target_id=registry.id,
            target_name=registry.name,
            detail=(
                f"keepLast {spec.keep_last}, olderThanDays {spec.older_than_days}"
                if policy
                else None
            ),
        )
    return policy
