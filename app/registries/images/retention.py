"""Applying the registries' retention policies: `nodion admin apply-retention`
and a periodic run in `nodion serve` (NODION_IMAGE_RETENTION_INTERVAL).

Per repository matching the policy's globs, tags newest first: the first
`keepLast` stay; older ones go if also pushed more than `olderThanDays` ago.
A tag is never deleted while its digest is used (an application, a deployment
of the last 24 hours: the IMAGE_DELETING hooks refuse) or named by a tag that
stays (distribution deletes manifests, and every tag of one, by digest). The
registry frees the blobs only with its offline `registry garbage-collect`.
Every worker of every host runs the periodic run; each policy is applied by one
of them per interval (`_take_turn`)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase

from tortoise.expressions import Q

from app.domain import TURN_SHARE, PeriodicTask, Running
from app.errors import Conflict
from app.events import Hooks
from app.registries.errors import RegistryUnreachable
from app.registries.events import IMAGE_DELETING
from app.registries.image_models import ImageRepository, ImageTag, RetentionPolicy
from app.registries.images.index import forget_applied_events
from app.registries.images.service import delete_manifest
from app.registries.models import Registry, RegistryType
from app.registries.settings import RegistriesSettings
from app.security.keys import ServiceKeys
from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    region: str
    repository: str
    tags: tuple[str, ...]
    digest: str
    deleted: bool
    reason: str | None = None
    """Why it stays although past the policy (in use, kept by a tag), or why
    the deletion failed."""


def _matches(name: str, globs: list[str]) -> bool:
    return not globs or any(fnmatchcase(name, glob) for glob in globs)


def _expired(policy: RetentionPolicy, tags: list[ImageTag], now: datetime) -> list[ImageTag]:
    newest_first = sorted(tags, key=lambda tag: (tag.pushed_at, tag.id), reverse=True)
    beyond = newest_first[policy.keep_last :] if policy.keep_last is not None else newest_first
    if policy.older_than_days is not None:
        cutoff = now - timedelta(days=policy.older_than_days)
        beyond = [tag for tag in beyond if tag.pushed_at < cutoff]
    return beyond


async def apply_policy(
    policy: RetentionPolicy,
    registry: Registry,
    settings: Settings,
    keys: ServiceKeys,
    hooks: Hooks,
    *,
    dry_run: bool,
) -> list[Outcome]:
    assert registry.region is not None
    outcomes: list[Outcome] = []
    now = datetime.now(UTC)
    repositories = await ImageRepository.filter(
        project_id=registry.project_id, region=registry.region
    ).order_by("name")
    for repository in repositories:
        if not _matches(repository.name, list(policy.repositories)):
            continue
        tags = await ImageTag.filter(repository_id=repository.id)
        expired = _expired(policy, tags, now)
        expired_ids = {tag.id for tag in expired}
        kept_digests = {tag.digest for tag in tags if tag.id not in expired_ids}
        by_digest: dict[str, list[str]] = defaultdict(list)
        for tag in expired:
            by_digest[tag.digest].append(tag.name)
        for digest, names in sorted(by_digest.items()):
            outcome = await _delete(
                registry,
                repository,
                digest,
                tuple(sorted(names)),
                kept_digests,
                settings,
                keys,
                hooks,
                dry_run,
            )
            outcomes.append(outcome)
    return outcomes


async def _delete(
    registry: Registry,
    repository: ImageRepository,
    digest: str,
    names: tuple[str, ...],
    kept_digests: set[str],
    settings: Settings,
    keys: ServiceKeys,
    hooks: Hooks,
    dry_run: bool,
) -> Outcome:
    def outcome(deleted: bool, reason: str | None = None) -> Outcome:
        return Outcome(repository.region, repository.name, names, digest, deleted, reason)

    if digest in kept_digests:
        return outcome(False, "a tag the policy keeps names the same manifest")
    try:
        await hooks.run(
            IMAGE_DELETING, registry.project_id, repository.region, repository.name, digest
        )
    except Conflict as used:
        return outcome(False, used.message)
    if dry_run:
        return outcome(True)
    try:
        await delete_manifest(
            settings,
            keys,
            registry,
            repository,
            digest,
            actor=None,
            actor_email="retention",
            detail=f"{repository.name}:{','.join(names)}",
        )
    except RegistryUnreachable as error:
        return outcome(False, error.message)
    return outcome(True)


async def _take_turn(policy: RetentionPolicy, now: datetime, every: int | None) -> bool:
    """Stamps the policy as applied now. A periodic run (`every` seconds) does so
    only if its turn has come, in one conditional UPDATE, so of all the workers
    and hosts that wake together exactly one applies the policy (and records each
    deletion once); the others skip it until the next turn."""
    claimed = RetentionPolicy.filter(id=policy.id)
    if every is not None:
        due = now - timedelta(seconds=every * TURN_SHARE)
        claimed = claimed.filter(Q(applied_at=None) | Q(applied_at__lte=due))
    return await claimed.update(applied_at=now) == 1


async def apply_retention(
    settings: Settings,
    keys: ServiceKeys,
    hooks: Hooks,
    *,
    dry_run: bool = False,
    every: int | None = None,
) -> list[Outcome]:
    """Every policy of every Nodion registry of a configured region. `every`:
    the interval of `nodion serve`'s periodic run, which applies a policy only
    when its turn has come (`_take_turn`); without it (`nodion admin
    apply-retention`) every policy is applied now."""
    outcomes: list[Outcome] = []
    for policy in await RetentionPolicy.all().select_related("registry").order_by("id"):
        registry: Registry = policy.registry
        if (
            registry.type is not RegistryType.NODION
            or settings.region(registry.region or "") is None
        ):
            continue
        if not dry_run and not await _take_turn(policy, datetime.now(UTC), every):
            continue
        outcomes.extend(
            await apply_policy(policy, registry, settings, keys, hooks, dry_run=dry_run)
        )
    return outcomes


async def _apply_periodically(running: Running) -> None:
    every = RegistriesSettings.of(running.settings).image_retention_interval
    await forget_applied_events()
    outcomes = await apply_retention(running.settings, running.keys, running.hooks, every=every)
    deleted = sum(1 for outcome in outcomes if outcome.deleted)
    if deleted:
        log.info("Image retention deleted %d manifest(s).", deleted)


# `nodion serve`'s periodic run; each policy also takes its own turn (`_take_turn`).
IMAGE_RETENTION = PeriodicTask(
    "image-retention",
    every=lambda settings: RegistriesSettings.of(settings).image_retention_interval or None,
    run=_apply_periodically,
)
