from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from app.registries.graphql.enums import RegistryTypeEnum
from app.registries.graphql.types import RegistryNode
from app.registries.loaders import REGISTRIES_BY_PROJECT
from app.registries.models import Registry, RegistryType
from app.registries.selection import default_of, matching


@strawberry.type
class RegistryProjectFields:
    """What the registries domain adds to `Project` (resolved on `Project` rows)."""

    if TYPE_CHECKING:
        id: int

    @strawberry.field(description="Registries of this project, optionally filtered.")
    async def registries(
        self, info: Info, type: RegistryTypeEnum | None = None, region: str | None = None
    ) -> list[RegistryNode]:
        rows = await info.context.loaders[REGISTRIES_BY_PROJECT].load(self.id)
        wanted = RegistryType(type) if type is not None else None
        return matching(rows, wanted, region)  # type: ignore[return-value]

    @strawberry.field(description="The default Nodion registry of a region.")
    async def default_registry(self, info: Info, region: str) -> RegistryNode | None:
        rows: list[Registry] = await info.context.loaders[REGISTRIES_BY_PROJECT].load(self.id)
        return default_of(rows, region)  # type: ignore[return-value]
