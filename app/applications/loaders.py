"""Batch loads for GraphQL: one query per kind of data per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from app.applications.models import Application, Deployment
from app.graphql.core.loaders import BatchLoad
from app.graphql.core.pagination import Page, load_pages


async def load_applications(ids: Sequence[int]) -> list[Application | None]:
    found = {row.id: row for row in await Application.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def load_applications_by_project(project_ids: Sequence[int]) -> list[list[Application]]:
    grouped: dict[int, list[Application]] = defaultdict(list)
    for row in await Application.filter(project_id__in=project_ids).order_by("-id"):
        grouped[row.project_id].append(row)
    return [grouped[project_id] for project_id in project_ids]


async def load_deployments(ids: Sequence[int]) -> list[Deployment | None]:
    found = {row.id: row for row in await Deployment.filter(id__in=ids)}
    return [found.get(i) for i in ids]


async def load_deployment_pages(keys: Sequence[tuple[int, Page]]) -> list[list[Deployment]]:
    return await load_pages(Deployment, "application_id", keys)


APPLICATION = BatchLoad[int, Application | None](load_applications)
APPLICATIONS_BY_PROJECT = BatchLoad[int, list[Application]](load_applications_by_project)
DEPLOYMENT = BatchLoad[int, Deployment | None](load_deployments)
DEPLOYMENT_PAGES = BatchLoad[tuple[int, Page], list[Deployment]](load_deployment_pages)
