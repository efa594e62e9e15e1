"""Measuring what notifications leave out: a manifest push names the
manifest's own size, not its image's. The manifest is read back through the
registry's API after the event is stored, and its config plus layers recorded
on the tags that point at it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from app.registries.image_models import ImageRepository, ImageTag
from app.registries.images.registry_api import RegistryApi, RegistryApiError
from app.registries.images.stats import refresh_stats
from app.security.keys import ServiceKeys
from app.settings import Settings
from app.transactions import atomic

log = logging.getLogger(__name__)

# Per delivery: more are left to `nodion admin sync-images`.
MAX_MEASURED = 100
CONCURRENCY = 4


async def measure_sizes(
    settings: Settings, keys: ServiceKeys, region_slug: str, wanted: Iterable[tuple[str, str]]
) -> int:
    """For each (repository, digest): read its manifest and record the size on
    its tags still without one. Returns how many were measured; a registry that
    does not answer is logged, not raised (the tags keep no size until a sync)."""
    region = settings.region(region_slug)
    pairs = sorted(set(wanted))[:MAX_MEASURED]
    if region is None or not pairs:
        return 0
    names = sorted({repository for repository, _ in pairs})
    ids = dict(
        await ImageRepository.filter(region=region_slug, name__in=names).values_list("name", "id")
    )
    gate = asyncio.Semaphore(CONCURRENCY)
    sizes: dict[tuple[str, str], int] = {}
    async with RegistryApi(settings, keys, region) as api:

        async def one(repository: str, digest: str) -> None:
            async with gate:
                try:
                    manifest = await api.manifest(repository, digest)
                except RegistryApiError as error:
                    log.warning("Image size of %s@%s not measured: %s", repository, digest, error)
                    return
            if manifest is not None and repository in ids:
                sizes[(repository, digest)] = manifest.size_bytes

        await asyncio.gather(*(one(repository, digest) for repository, digest in pairs))
    if sizes:
        # One transaction, and one recount per repository however many of its
        # manifests were measured.
        async with atomic() as connection:
            for (repository, digest), size in sizes.items():
                await ImageTag.filter(
                    repository_id=ids[repository], digest=digest, size_bytes__isnull=True
                ).update(size_bytes=size)
            await refresh_stats(connection, [ids[repository] for repository, _ in sizes])
    return len(sizes)
