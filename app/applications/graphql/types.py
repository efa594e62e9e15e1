from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.applications.loaders import APPLICATION, DEPLOYMENT, DEPLOYMENT_PAGES
from app.applications.models import Application, Deployment, DeploymentStatus, Strategy
from app.applications.service import image_reference
from app.graphql.core.pagination import Page, to_connection
from app.projects.loaders import PROJECT
from app.projects.nodes import ProjectScopedNode
from app.projects.project_type import ProjectType
from app.registries.loaders import REGISTRY

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.registries.graphql.types import RegistryNode

# strawberry.enum marks the model's enums themselves: resolvers return model values.
strawberry.enum(Strategy, name="ApplicationStrategy")
strawberry.enum(DeploymentStatus, name="DeploymentStatus")
StrategyEnum: TypeAlias = Strategy
DeploymentStatusEnum: TypeAlias = DeploymentStatus
RegistryType = Annotated["RegistryNode", strawberry.lazy("app.registries.graphql.types")]


@strawberry.type(name="Application", description="An app of a project, run in one region.")
class ApplicationNode(ProjectScopedNode):
    """Resolved straight from `Application` rows: resolvers return models."""

    model = Application
    loader = APPLICATION

    id: relay.NodeID[int]
    name: str
    region: str
    strategy: StrategyEnum
    image: str = strawberry.field(
        description="Repository path in the registry, e.g. shop/web or library/nginx."
    )
    tag: str | None = strawberry.field(description="Null when pinned by digest.")
    digest: str | None = strawberry.field(description="sha256:… when pinned by digest.")
    deploy_on_push: bool = strawberry.field(
        description="A push of a new digest to its image and tag in its Nodion registry "
        "creates a deployment pinned to that digest."
    )
    created_at: datetime
    project_id: strawberry.Private[int]
    registry_id: strawberry.Private[int]

    @strawberry.field(description="The registry images are pulled from (builds push there).")
    async def registry(self, info: Info) -> RegistryType:
        return await info.context.loaders[REGISTRY].load(self.registry_id)  # type: ignore[no-any-return]  # a Registry row stands in for the type

    @strawberry.field(description="What the next deploy pulls, fully qualified.")
    async def image_reference(self, info: Info) -> str:
        registry = await info.context.loaders[REGISTRY].load(self.registry_id)
        return image_reference(self, registry, None)  # type: ignore[arg-type]  # self is an Application row

    @strawberry.field
    async def project(self, info: Info) -> ProjectType:
        return await info.context.loaders[PROJECT].load(self.project_id)  # type: ignore[no-any-return]  # a Project row stands in for the type

    @strawberry.field(description="Deployments of this application, newest first.")
    async def deployments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> relay.Connection[DeploymentNode]:
        page = Page.of(first, after)
        rows = await info.context.loaders[DEPLOYMENT_PAGES].load((self.id, page))
        return to_connection(rows, page, lambda row: row)


@strawberry.type(name="Deployment", description="One rollout of an application's image.")
class DeploymentNode(ProjectScopedNode):
    """Resolved straight from `Deployment` rows."""

    model = Deployment
    loader = DEPLOYMENT

    id: relay.NodeID[int]
    status: DeploymentStatusEnum
    image_reference: str = strawberry.field(
        description="What this deployment pulls, fixed when it was created."
    )
    message: str | None = strawberry.field(description="What the deploy target reported.")
    created_at: datetime
    claimed_at: datetime | None
    finished_at: datetime | None
    project_id: strawberry.Private[int]
    application_id: strawberry.Private[int]
    if TYPE_CHECKING:  # a column of the Deployment rows this type is resolved from
        target_name: str | None

    @strawberry.field(description="Name of the deploy target that claimed it.")
    def target(self) -> str | None:
        return self.target_name

    @strawberry.field
    async def application(self, info: Info) -> ApplicationNode:
        return await info.context.loaders[APPLICATION].load(self.application_id)  # type: ignore[no-any-return]  # an Application row stands in for the type
