"""The default managed registry of every project in every region."""

from __future__ import annotations

from typing import cast

from app.projects.models import Project
from app.registries.models import Registry, RegistryType
from app.settings import Region, Settings


def managed_registry_name(region: Region) -> str:
    return f"Nodion Registry ({region.name})"


async def provision_default_registries(project: Project, settings: Settings) -> list[Registry]:
    """Create the default NODION registry for each region that lacks one (idempotent)."""
    regions = await Registry.filter(
        project=project, type=RegistryType.NODION, is_default=True
    ).values_list("region", flat=True)
    present = set(cast("list[str]", regions))  # flat: values, though typed as tuples
    created = []
    for region in settings.regions:
        if region.slug in present:
            continue
        created.append(
            await Registry.create(
                project=project,
                type=RegistryType.NODION,
                name=managed_registry_name(region),
                hostname=settings.registry_hostname(region.slug),
                region=region.slug,
                is_default=True,
            )
        )
    return created


async def provision_all_projects(settings: Settings) -> int:
    """Reconcile after a region was added to the configuration; returns how many were made."""
    created = 0
    for project in await Project.all().order_by("id"):
        created += len(await provision_default_registries(project, settings))
    return created
