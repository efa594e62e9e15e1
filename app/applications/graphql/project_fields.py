from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from app.applications.graphql.types import ApplicationNode
from app.applications.loaders import APPLICATIONS_BY_PROJECT


@strawberry.type
class ApplicationProjectFields:
    """What the applications domain adds to `Project` (resolved on `Project` rows)."""

    if TYPE_CHECKING:
        id: int

    @strawberry.field(description="Applications of this project, newest first.")
    async def applications(self, info: Info) -> list[ApplicationNode]:
        return await info.context.loaders[APPLICATIONS_BY_PROJECT].load(self.id)  # type: ignore[no-any-return]  # Application rows stand in for the type
