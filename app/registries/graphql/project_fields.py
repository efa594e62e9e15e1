from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from app.graphql.core.loaders import now_or_later, then
from app.registries.graphql.enums import RegistryTypeEnum
from app.registries.graphql.types import RegistryNode
from app.registries.loaders import REGISTRIES_BY_PROJECT
from app.registries.models import RegistryType
from app.registries.selection import default_of, matching


@strawberry.type
class RegistryProjectFields:
    """What the registries domain adds to `Project` (resolved on `Project` rows)."""

    if TYPE_CHECKING:
        id: int

    # Plain functions, not coroutines: a list of projects has loaded the rows for
    # its page already (Domain.project_page_loads), so no await per project.
    @strawberry.field(description="Registries of this project, optionally filtered.")
    def registries(
        self, info: Info, type: RegistryTypeEnum | None = None, region: str | None = None
    ) -> list[RegistryNode]:
        wanted = RegistryType(type) if type is not None else None
        rows = now_or_later(info.context.loaders[REGISTRIES_BY_PROJECT], self.id)
        return then(rows, lambda rows: matching(rows, wanted, region))  # type: ignore[return-value]

    @strawberry.field(description="The default Nodion registry of a region.")
    def default_registry(self, info: Info, region: str) -> RegistryNode | None:
        rows = now_or_later(info.context.loaders[REGISTRIES_BY_PROJECT], self.id)
        return then(rows, lambda rows: default_of(rows, region))  # type: ignore[return-value]
