from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.graphql.core.ids import node_id_of
from app.graphql.core.pagination import paginate
from app.graphql.core.permissions import AUTHENTICATED
from app.graphql.core.selection import selects
from app.projects.graphql.types import ProjectFields
from app.projects.loaders import PROJECT
from app.projects.models import Project
from app.projects.project_type import ProjectType


@strawberry.type
class ProjectQueries:
    @strawberry.field(permission_classes=AUTHENTICATED, description="Your projects, newest first.")
    async def projects(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> relay.Connection[ProjectType]:
        loaders = info.context.loaders
        connection = await paginate(
            Project.filter(members__user_id=info.context.user.id),
            first=first,
            after=after,
        )
        page = {edge.node.id: edge.node for edge in connection.edges}
        # Primed, so nested `registry.project` needs no extra query (in one call:
        # a call per project was a measurable part of the list).
        loaders[PROJECT].prime_many(page)
        # Fields other domains answer from a batched load: load it once for the
        # page now, so those fields find their rows loaded and need no await each.
        ids = list(page)
        node = [info.field_name, "edges", "node"]
        for name, load in info.context.project_page_loads.items():
            if ids and selects(info.selected_fields, [*node, name]):
                await loaders.load_page(load, ids)
        return connection

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def project(self, info: Info, id: strawberry.ID) -> ProjectType | None:
        project_id = node_id_of(id, "Project")
        if project_id is None:
            return None
        [node] = await ProjectFields.resolve_nodes(info=info, node_ids=[str(project_id)])
        return node  # type: ignore[no-any-return]  # a Project row stands in for the type
