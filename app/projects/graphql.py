from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.accounts.graphql import UserNode
from app.audit.graphql import AuditEventNode
from app.audit.models import AuditEvent
from app.errors import NotFound
from app.graphql.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.ids import decode_id, node_id_int
from app.graphql.pagination import paginate
from app.graphql.permissions import AUTHENTICATED
from app.graphql.results import result_of
from app.projects import service
from app.projects.models import Project, ProjectMember, Role
from app.registries.graphql_enums import RegistryTypeEnum

if TYPE_CHECKING:
    from app.registries.graphql import RegistryNode

RoleEnum = strawberry.enum(Role, name="Role")
Registry = Annotated["RegistryNode", strawberry.lazy("app.registries.graphql")]


@strawberry.type(name="ProjectMember")
class ProjectMemberNode:
    user: UserNode
    role: RoleEnum


@strawberry.type(name="Project", description="A project: its own namespace in every region.")
class ProjectNode(relay.Node):
    id: relay.NodeID[int]
    name: str
    namespace: str = strawberry.field(
        description="Managed registries grant access to `<namespace>/…` repositories only."
    )
    created_at: datetime

    @classmethod
    def from_model(cls, project: Project) -> ProjectNode:
        return cls(
            id=project.id,
            name=project.name,
            namespace=project.namespace,
            created_at=project.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ProjectNode | None]:
        ids = [node_id_int(node_id) for node_id in node_ids]
        loaders = info.context.loaders
        wanted = [project_id for project_id in ids if project_id is not None]
        roles = dict(zip(wanted, await loaders.role.load_many(wanted), strict=True))
        projects = dict(zip(wanted, await loaders.project.load_many(wanted), strict=True))
        return [
            cls.from_model(projects[pid])
            if pid is not None and roles[pid] and projects[pid]
            else None
            for pid in ids
        ]

    @strawberry.field(description="Your role in this project.")
    async def viewer_role(self, info: Info) -> RoleEnum:
        role = await info.context.loaders.role.load(self.id)
        assert role is not None  # the project is only reachable by members
        return role

    @strawberry.field
    async def members(self, info: Info) -> list[ProjectMemberNode]:
        members: list[ProjectMember] = await info.context.loaders.members.load(self.id)
        return [
            ProjectMemberNode(user=UserNode.from_model(member.user), role=member.role)
            for member in members
        ]

    @strawberry.field(description="Registries of this project, optionally filtered.")
    async def registries(
        self, info: Info, type: RegistryTypeEnum | None = None, region: str | None = None
    ) -> list[Registry]:
        from app.registries.graphql import RegistryNode

        rows = await info.context.loaders.registries_by_project.load(self.id)
        return [
            RegistryNode.from_model(row)
            for row in rows
            if (type is None or row.type == type) and (region is None or row.region == region)
        ]

    @strawberry.field(description="The default Nodion registry of a region.")
    async def default_registry(self, info: Info, region: str) -> Registry | None:
        from app.registries.graphql import RegistryNode

        rows = await info.context.loaders.registries_by_project.load(self.id)
        match = next((row for row in rows if row.is_default and row.region == region), None)
        return RegistryNode.from_model(match) if match else None

    @strawberry.field(description="What happened in this project, newest first.")
    async def audit_events(
        self, first: int | None = None, after: str | None = None
    ) -> relay.Connection[AuditEventNode]:
        return await paginate(
            AuditEvent.filter(project_id=self.id),
            first=first,
            after=after,
            wrap=AuditEventNode.from_model,
        )


@strawberry.type
class ProjectQueries:
    @strawberry.field(permission_classes=AUTHENTICATED, description="Your projects, newest first.")
    async def projects(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> relay.Connection[ProjectNode]:
        loaders = info.context.loaders

        def wrap(project: Project) -> ProjectNode:
            # Prime the loader so nested `registry.project` needs no extra query.
            loaders.project.prime(project.id, project)
            return ProjectNode.from_model(project)

        return await paginate(
            Project.filter(members__user_id=info.context.user.id),
            first=first,
            after=after,
            wrap=wrap,
        )

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def project(self, info: Info, id: strawberry.ID) -> ProjectNode | None:
        try:
            project_id = decode_id(id, "Project")
        except NotFound:
            return None
        [node] = await ProjectNode.resolve_nodes(info=info, node_ids=[str(project_id)])
        return node


@strawberry.input
class CreateProjectInput:
    name: str


@strawberry.input
class AddProjectMemberInput:
    project_id: strawberry.ID
    email: str
    role: RoleEnum


@strawberry.input
class RemoveProjectMemberInput:
    project_id: strawberry.ID
    email: str


@strawberry.type
class CreateProjectSuccess:
    project: ProjectNode


@strawberry.type
class ProjectMembersChanged:
    project: ProjectNode


CreateProjectResult = Annotated[
    CreateProjectSuccess | ValidationError | ConflictError,
    strawberry.union("CreateProjectResult"),
]
ProjectMemberResult = Annotated[
    ProjectMembersChanged | ValidationError | NotFoundError | PermissionDeniedError | ConflictError,
    strawberry.union("ProjectMemberResult"),
]


@strawberry.type
class ProjectMutations:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Create a project and its default Nodion registry in every region.",
    )
    async def create_project(self, info: Info, input: CreateProjectInput) -> CreateProjectResult:
        async def run() -> CreateProjectSuccess:
            project = await service.create_project(
                info.context.user, input.name, info.context.settings
            )
            return CreateProjectSuccess(project=ProjectNode.from_model(project))

        return await result_of(run())

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Add a member, or change a member's role (ADMIN only).",
    )
    async def add_project_member(
        self, info: Info, input: AddProjectMemberInput
    ) -> ProjectMemberResult:
        async def run() -> ProjectMembersChanged:
            project_id = decode_id(input.project_id, "Project")
            project = await service.set_member(
                info.context.user, project_id, input.email, Role(input.role)
            )
            return ProjectMembersChanged(project=ProjectNode.from_model(project))

        return await result_of(run())

    @strawberry.mutation(permission_classes=AUTHENTICATED, description="ADMIN only.")
    async def remove_project_member(
        self, info: Info, input: RemoveProjectMemberInput
    ) -> ProjectMemberResult:
        async def run() -> ProjectMembersChanged:
            project_id = decode_id(input.project_id, "Project")
            project = await service.remove_member(info.context.user, project_id, input.email)
            return ProjectMembersChanged(project=ProjectNode.from_model(project))

        return await result_of(run())
