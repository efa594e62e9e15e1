"""Batch loads for GraphQL: one query per kind of data per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from app.graphql.core.loaders import BatchLoad
from app.registries.models import Registry


async def load_registries(ids: Sequence[int]) -> list[Registry | None]:
    found = {registry.id: registry for registry in await Registry.filter(id__in=ids)}
    return [found.get(registry_id) for registry_id in ids]


async def load_registries_by_project(project_ids: Sequence[int]) -> list[list[Registry]]:
    grouped: dict[int, list[Registry]] = defaultdict(list)
    for registry in await Registry.filter(project_id__in=project_ids).order_by("id"):
        grouped[registry.project_id].append(registry)
    return [grouped[project_id] for project_id in project_ids]


REGISTRY = BatchLoad[int, Registry | None](load_registries)
REGISTRIES_BY_PROJECT = BatchLoad[int, list[Registry]](load_registries_by_project)
