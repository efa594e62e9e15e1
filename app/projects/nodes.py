"""Node types of objects that belong to a project, resolved from ORM rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from strawberry import relay
from strawberry.types import Info
from tortoise.models import Model

from app.graphql.core.ids import node_id_int
from app.graphql.core.loaders import BatchLoad
from app.projects.visibility import visible


class ProjectScopedNode(relay.Node):
    """A Relay node whose resolvers return `model` rows (not copies of them),
    loaded by `loader` and visible only to members of the row's project."""

    model: ClassVar[type[Model]]
    loader: ClassVar[BatchLoad[int, Any]]
    project_key: ClassVar[str] = "project_id"
    """The attribute of a row that names its project."""

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, cls | cls.model)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        loaders = info.context.loaders
        ids = [node_id_int(node_id) for node_id in node_ids]
        rows = await loaders[cls.loader].load_many([i for i in ids if i is not None])
        shown = await visible(loaders, rows, lambda row: getattr(row, cls.project_key))
        by_id = {row.id: row for row in shown if row is not None}
        return [by_id.get(i) if i is not None else None for i in ids]
