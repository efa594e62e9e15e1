"""The Project node's own fields. Other domains add theirs (registries,
applications, audit events) through `Domain.project_fields`; the app assembles
the one `Project` type from all of them (app/api/project.py), and every
domain refers to it by the lazy annotation `app.projects.project_type.ProjectType`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.projects import models
from app.projects.loaders import MEMBERS, PROJECT, ROLE
from app.projects.models import Project, Role
from app.projects.nodes import ProjectScopedNode

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.accounts.graphql import UserNode

strawberry.enum(Role, name="Role")  # marks Role itself: resolvers return model roles
RoleEnum: TypeAlias = Role


UserType = Annotated["UserNode", strawberry.lazy("app.accounts.graphql")]


@strawberry.type(name="ProjectMember")
class ProjectMember:
    """Resolved straight from `ProjectMember` rows (with their user)."""

    user: UserType
    role: RoleEnum


@strawberry.type(name="ProjectFields", description="A project: its own namespace in every region.")
class ProjectFields(ProjectScopedNode):
    """Resolved straight from `Project` rows: resolvers return models."""

    model = Project
    loader = PROJECT
    project_key = "id"

    id: relay.NodeID[int]
    name: str
    namespace: str = strawberry.field(
        description="Managed registries grant access to `<namespace>/…` repositories only."
    )
    created_at: datetime

    @strawberry.field(
        description="Your role in this project; null once you are no longer a member "
        "(in the answer to removing yourself)."
    )
    async def viewer_role(self, info: Info) -> RoleEnum | None:
        return await info.context.loaders[ROLE].load(self.id)  # type: ignore[no-any-return]  # untyped loader: a Role or None

    @strawberry.field
    async def members(self, info: Info) -> list[ProjectMember]:
        members: list[models.ProjectMember] = await info.context.loaders[MEMBERS].load(self.id)
        return members  # type: ignore[return-value]  # rows stand in for the type
