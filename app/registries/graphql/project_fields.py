from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.graphql.core.fast_path.twins import also_direct
from app.graphql.core.loaders import then
from app.graphql.core.pagination import Page, to_connection
from app.registries.graphql.enums import RegistryTypeEnum
from app.registries.graphql.images import RepositoryType
from app.registries.graphql.types import RegistryNode
from app.registries.images.loaders import REPOSITORY_PAGES
from app.registries.loaders import REGISTRIES_BY_PROJECT
from app.registries.models import Registry, RegistryType
from app.registries.selection import default_of, matching


def registries_of(
    project: Any, info: Any, type: RegistryType | None = None, region: str | None = None
) -> list[Registry] | Awaitable[list[Registry]]:
    """`Project.registries` as graphql-core calls it (also_direct)."""
    wanted = RegistryType(type) if type is not None else None
    rows = info.context.loaders.now_or_later(REGISTRIES_BY_PROJECT, project.id)
    return then(rows, lambda rows: matching(rows, wanted, region))


def default_registry_of(
    project: Any, info: Any, region: str
) -> Registry | Awaitable[Registry | None] | None:
    """`Project.defaultRegistry` as graphql-core calls it (also_direct)."""
    rows = info.context.loaders.now_or_later(REGISTRIES_BY_PROJECT, project.id)
    return then(rows, lambda rows: default_of(rows, region))


@strawberry.type
class RegistryProjectFields:
    """What the registries domain adds to `Project` (resolved on `Project` rows)."""

    if TYPE_CHECKING:
        id: int

    # Plain functions, not coroutines: a list of projects has loaded the rows for
    # its page already (Domain.project_page_loads), so no await per project. Their
    # twins skip strawberry's wrapper, which they would run once per project.
    @strawberry.field(description="Registries of this project, optionally filtered.")
    @also_direct(registries_of)
    def registries(
        self, info: Info, type: RegistryTypeEnum | None = None, region: str | None = None
    ) -> list[RegistryNode]:
        return registries_of(self, info, type, region)  # type: ignore[return-value]  # rows stand in for the type

    @strawberry.field(description="The default Nodion registry of a region.")
    @also_direct(default_registry_of)
    def default_registry(self, info: Info, region: str) -> RegistryNode | None:
        return default_registry_of(self, info, region)  # type: ignore[return-value]  # a row stands in for the type

    @strawberry.field(
        description="Repositories in the project's Nodion registries, in every region (or "
        "one), most recently made first."
    )
    async def repositories(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        region: str | None = None,
    ) -> relay.Connection[RepositoryType]:
        page = Page.of(first, after)
        rows = await info.context.loaders[REPOSITORY_PAGES].load((self.id, region, page))
        return to_connection(rows, page, lambda row: row)
