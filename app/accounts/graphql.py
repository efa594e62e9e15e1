from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.accounts.models import User


@strawberry.type(name="User", description="A person who signs in to Nodion.")
class UserNode(relay.Node):
    id: relay.NodeID[int]
    email: str
    created_at: datetime

    @classmethod
    def is_type_of(cls, obj: Any, info: Info) -> bool:
        return isinstance(obj, cls | User)

    @classmethod
    def from_model(cls, user: User) -> UserNode:
        return cls(id=user.id, email=user.email, created_at=user.created_at)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # None for hidden ids, required or not
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[UserNode | None]:
        # Only your own user is reachable by ID; others appear through projects.
        viewer = info.context.viewer
        return [
            cls.from_model(viewer) if viewer and node_id == str(viewer.id) else None
            for node_id in node_ids
        ]
