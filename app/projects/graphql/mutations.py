from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.graphql.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from app.graphql.core.ids import decode_id
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.results import domain_result
from app.projects import lifecycle, service
from app.projects.graphql.types import RoleEnum
from app.projects.loaders import PROJECT, ROLE
from app.projects.models import Role
from app.projects.project_type import ProjectType


@strawberry.input
class CreateProjectInput:
    name: str
    namespace: str | None = strawberry.field(
        default=None,
        description="The project's namespace in every registry (`<namespace>/app`): a DNS "
        "label, unique, not reserved. Derived from the name when left out (`Café Crème` → "
        "`cafe-creme`).",
    )


@strawberry.input
class AddProjectMemberInput:
    project_id: strawberry.ID
    email: str
    role: RoleEnum


@strawberry.input
class RemoveProjectMemberInput:
    project_id: strawberry.ID
    email: str


@strawberry.input
class RenameProjectInput:
    project_id: strawberry.ID
    name: str


@strawberry.input
class DeleteProjectInput:
    project_id: strawberry.ID
    force: bool = strawberry.field(
        default=False,
        description="Also remove the project's applications and their deployments; "
        "without it a project with applications is refused.",
    )


@strawberry.type
class CreateProjectSuccess:
    project: ProjectType
    notice: str | None = strawberry.field(
        default=None,
        description="Something to tell the user about the new project, e.g. that its name "
        "has no Latin transliteration and what namespace it got instead.",
    )


@strawberry.type
class ProjectMembersChanged:
    project: ProjectType


@strawberry.type
class RenameProjectSuccess:
    project: ProjectType


@strawberry.type
class DeleteProjectSuccess:
    deleted_project_id: strawberry.ID


CreateProjectResult = Annotated[
    CreateProjectSuccess | ValidationError | ConflictError,
    strawberry.union("CreateProjectResult"),
]
ProjectMemberResult = Annotated[
    ProjectMembersChanged | ValidationError | NotFoundError | PermissionDeniedError | ConflictError,
    strawberry.union("ProjectMemberResult"),
]

RenameProjectResult = Annotated[
    RenameProjectSuccess | ValidationError | NotFoundError | PermissionDeniedError,
    strawberry.union("RenameProjectResult"),
]
DeleteProjectResult = Annotated[
    DeleteProjectSuccess | NotFoundError | PermissionDeniedError | ConflictError,
    strawberry.union("DeleteProjectResult"),
]


@strawberry.type
class ProjectMutations:
    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Create a project and its default Nodion registry in every region.",
    )
    @domain_result
    async def create_project(self, info: Info, input: CreateProjectInput) -> CreateProjectResult:
        context = info.context
        created = await service.create_project(
            context.user, input.name, context.settings, context.hooks, namespace=input.namespace
        )
        project = created.project
        # Answer from what the transaction wrote: a read after the commit that
        # fails would turn a created project into an error, and a retry into a twin.
        context.loaders[PROJECT].prime(project.id, project)
        context.loaders[ROLE].prime(project.id, Role.ADMIN)
        return CreateProjectSuccess(project=project, notice=created.notice)  # type: ignore[arg-type]  # a Project row stands in for the type

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Add a member, or change a member's role (ADMIN only).",
    )
    @domain_result
    async def add_project_member(
        self, info: Info, input: AddProjectMemberInput
    ) -> ProjectMemberResult:
        project = await service.set_member(
            info.context.user,
            decode_id(input.project_id, "Project"),
            input.email,
            Role(input.role),
        )
        return ProjectMembersChanged(project=project)  # type: ignore[arg-type]  # a Project row stands in for the type

    @strawberry.mutation(permission_classes=AUTHENTICATED, description="ADMIN only.")
    @domain_result
    async def remove_project_member(
        self, info: Info, input: RemoveProjectMemberInput
    ) -> ProjectMemberResult:
        project_id = decode_id(input.project_id, "Project")
        project = await service.remove_member(info.context.user, project_id, input.email)
        return ProjectMembersChanged(project=project)  # type: ignore[arg-type]  # a Project row stands in for the type

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Change a project's name (ADMIN only); its namespace never changes.",
    )
    @domain_result
    async def rename_project(self, info: Info, input: RenameProjectInput) -> RenameProjectResult:
        project_id = decode_id(input.project_id, "Project")
        project = await lifecycle.rename_project(info.context.user, project_id, input.name)
        info.context.loaders[PROJECT].prime(project.id, project, force=True)
        return RenameProjectSuccess(project=project)  # type: ignore[arg-type]  # a Project row stands in for the type

    @strawberry.mutation(
        permission_classes=AUTHENTICATED,
        description="Delete a project with its registries, applications and deployments "
        "(ADMIN only). Every token and credential of the project stops working at once; "
        "its audit trail is kept, and its namespace is not given to a new project for "
        "30 days.",
    )
    @domain_result
    async def delete_project(self, info: Info, input: DeleteProjectInput) -> DeleteProjectResult:
        context = info.context
        await lifecycle.delete_project(
            context.user,
            decode_id(input.project_id, "Project"),
            force=input.force,
            hooks=context.hooks,
        )
        return DeleteProjectSuccess(deleted_project_id=input.project_id)
