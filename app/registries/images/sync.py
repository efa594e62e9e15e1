"""`nodion admin sync-images`: bring a region's images index in line with what
its registry holds, for notifications that never arrived (the service was
down longer than the registry retried, or the registry's queue was lost).

Reads the catalog and every tag through the Registry v2 API with tokens the
service mints for itself. A tag whose digest changed is stored as pushed now
(the registry does not say when); it deploys nothing: a missed push is
reported, not acted on hours later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.projects.models import Project
from app.registries.image_models import ImageRepository, ImageTag, ImageTagPush
from app.registries.images.history import record_pushes
from app.registries.images.index import namespace_of, repositories_for
from app.registries.images.registry_api import RegistryApi
from app.registries.images.stats import refresh_stats
from app.security.keys import ServiceKeys
from app.settings import Settings
from app.transactions import atomic


@dataclass
class SyncReport:
    repositories: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    outside_namespaces: int = 0


async def sync_region(settings: Settings, keys: ServiceKeys, region_slug: str) -> SyncReport:
    region = settings.region(region_slug)
    if region is None:
        raise ValueError(f"unknown region {region_slug!r}")
    report = SyncReport()
    async with RegistryApi(settings, keys, region) as api:
        catalog = await api.catalog()
        namespaces = {namespace_of(name) for name in catalog}
        projects = dict(
            await Project.filter(namespace__in=sorted(namespaces)).values_list("namespace", "id")
        )
        inside = {
            name: projects[namespace_of(name)] for name in catalog if namespace_of(name) in projects
        }
        report.outside_namespaces = len(catalog) - len(inside)
        rows = await repositories_for(region.slug, {n: int(p) for n, p in inside.items()})
        now = datetime.now(UTC)
        for name in sorted(inside):
            row = rows[name]
            held = {}
            for tag in await api.tags(name):
                manifest = await api.manifest(name, tag)
                if manifest is not None:
                    held[tag] = manifest
            report.repositories += 1
            async with atomic() as connection:
                known = {tag.name: tag for tag in await ImageTag.filter(repository_id=row.id)}
                found: list[ImageTagPush] = []
                for tag, manifest in held.items():
                    before = known.get(tag)
                    if before is not None and before.digest == manifest.digest:
                        if before.size_bytes is None:
                            before.size_bytes = manifest.size_bytes
                            await before.save(update_fields=["size_bytes"])
                        continue
                    if before is not None:
                        await before.delete()
                        report.changed.append(f"{name}:{tag}")
                    else:
                        report.added.append(f"{name}:{tag}")
                    await ImageTag.create(
                        repository_id=row.id,
                        name=tag,
                        digest=manifest.digest,
                        media_type=manifest.media_type,
                        size_bytes=manifest.size_bytes,
                        pushed_at=now,
                        pushed_by=None,
                    )
                    found.append(
                        ImageTagPush(
                            repository_id=row.id,
                            tag=tag,
                            digest=manifest.digest,
                            pushed_at=now,
                            reported_at=now,
                            received_at=now,
                            pushed_by=None,
                        )
                    )
                await record_pushes(found)
                gone = [tag for tag in known if tag not in held]
                if gone:
                    await ImageTag.filter(repository_id=row.id, name__in=gone).delete()
                    report.removed.extend(f"{name}:{tag}" for tag in gone)
                await refresh_stats(connection, [row.id])
    # Repositories the index knows and the catalog no longer lists: their tags went.
    for row in await ImageRepository.filter(region=region.slug).exclude(name__in=sorted(inside)):
        gone_tags = await ImageTag.filter(repository_id=row.id).values_list("name", flat=True)
        if gone_tags:
            async with atomic() as connection:
                await ImageTag.filter(repository_id=row.id).delete()
                await refresh_stats(connection, [row.id])
            report.removed.extend(f"{row.name}:{tag}" for tag in gone_tags)
    return report
