"""Batch loads for GraphQL: one query per kind of data per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from app.accounts.models import User
from app.graphql.core.loaders import BatchLoad
from app.projects.models import Project, ProjectMember, Role


async def load_projects(ids: Sequence[int]) -> list[Project | None]:
    found = {project.id: project for project in await Project.filter(id__in=ids)}
    return [found.get(project_id) for project_id in ids]


async def load_roles(viewer: User | None, project_ids: Sequence[int]) -> list[Role | None]:
    if viewer is None:
        return [None for _ in project_ids]
    rows = await ProjectMember.filter(user_id=viewer.id, project_id__in=project_ids).values_list(
        "project_id", "role"
    )
    roles = {project_id: Role(role) for project_id, role in rows}
    return [roles.get(project_id) for project_id in project_ids]


async def load_members(project_ids: Sequence[int]) -> list[list[ProjectMember]]:
    grouped: dict[int, list[ProjectMember]] = defaultdict(list)
    members = (
        await ProjectMember.filter(project_id__in=project_ids).select_related("user").order_by("id")
    )
    for member in members:
        grouped[member.project_id].append(member)
    return [grouped[project_id] for project_id in project_ids]


PROJECT = BatchLoad[int, Project | None](load_projects)
ROLE = BatchLoad[int, Role | None](load_roles, per_viewer=True)
MEMBERS = BatchLoad[int, list[ProjectMember]](load_members)
