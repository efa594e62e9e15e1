from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.applications.loaders import APPLICATION, DEPLOYMENT, DEPLOYMENT_PAGES
from app.applications.models import Application, Deployment, DeploymentStatus, Strategy
from app.applications.service import image_reference
from app.graphql.core.ids import node_id_int
from app.graphql.core.pagination import Page, to_connection
from app.projects.loaders import PROJECT
from app.projects.project_type import ProjectType
from app.projects.visibility import visible
from app.registries.loaders import REGISTRY

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.registries.graphql.types import RegistryNode

StrategyEnum = strawberry.enum(Strategy, name="ApplicationStrategy")
DeploymentStatusEnum = strawberry.enum(DeploymentStatus, name="DeploymentStatus")
RegistryType = Annotated["RegistryNode", strawberry.lazy("app.registries.graphql.types")]


@strawberry.type(name="Application", description="An app of a project, run in one region.")
class ApplicationNode(relay.Node):
    """Resolved straight from `Application` rows: resolvers return models."""

    id: relay.NodeID[int]
    name: str
    region: str
    strategy: StrategyEnum
    image: str = strawberry.field(
        description="Repository path in the registry, e.g. shop/web or library/nginx."
    )
    tag: str | None = strawberry.field(description="Null when pinned by digest.")
    digest: str | None = strawberry.field(description="sha256:… when pinned by digest.")
    created_at: datetime
    project_id: strawberry.Private[int]
    registry_id: strawberry.Private[int]

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, cls | Application)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaders = info.context.loaders
        ids = [node_id_int(node_id) for node_id in node_ids]
        rows = await loaders[APPLICATION].load_many([i for i in ids if i is not None])
        by_id = {row.id: row for row in await visible(loaders, rows, lambda r: r.project_id) if row}
        return [by_id.get(i) if i is not None else None for i in ids]

    @strawberry.field(description="The registry images are pulled from (builds push there).")
    async def registry(self, info: Info) -> RegistryType:
        return await info.context.loaders[REGISTRY].load(self.registry_id)  # type: ignore[no-any-return]

    @strawberry.field(description="What the next deploy pulls, fully qualified.")
    async def image_reference(self, info: Info) -> str:
        registry = await info.context.loaders[REGISTRY].load(self.registry_id)
        return image_reference(self, registry, None)  # type: ignore[arg-type]

    @strawberry.field
    async def project(self, info: Info) -> ProjectType:
        return await info.context.loaders[PROJECT].load(self.project_id)  # type: ignore[no-any-return]

    @strawberry.field(description="Deployments of this application, newest first.")
    async def deployments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> relay.Connection[DeploymentNode]:
        page = Page.of(first, after)
        rows = await info.context.loaders[DEPLOYMENT_PAGES].load((self.id, page))
        return to_connection(rows, page, lambda row: row)


@strawberry.type(name="Deployment", description="One rollout of an application's image.")
class DeploymentNode(relay.Node):
    """Resolved straight from `Deployment` rows."""

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

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, cls | Deployment)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaders = info.context.loaders
        ids = [node_id_int(node_id) for node_id in node_ids]
        rows = await loaders[DEPLOYMENT].load_many([i for i in ids if i is not None])
        by_id = {row.id: row for row in await visible(loaders, rows, lambda r: r.project_id) if row}
        return [by_id.get(i) if i is not None else None for i in ids]

    @strawberry.field(description="Name of the deploy target that claimed it.")
    def target(self) -> str | None:
        return self.target_name  # type: ignore[attr-defined]

    @strawberry.field
    async def application(self, info: Info) -> ApplicationNode:
        return await info.context.loaders[APPLICATION].load(self.application_id)  # type: ignore[no-any-return]
