"""What a viewer may see: the objects of projects they are a member of. The one
rule every node type and list applies (mutations use `access.project_for`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from app.graphql.core.loaders import Loaders
from app.projects.loaders import ROLE

T = TypeVar("T")


async def visible(
    loaders: Loaders, rows: Sequence[T | None], project_id: Callable[[T], int]
) -> list[T | None]:
    """`rows` with each row the viewer may not see (or that is missing) as None,
    in the same order; one batched role lookup for all of them."""
    present = [row for row in rows if row is not None]
    roles = await loaders[ROLE].load_many([project_id(row) for row in present])
    allowed = {id(row) for row, role in zip(present, roles, strict=True) if role is not None}
    return [row if row is not None and id(row) in allowed else None for row in rows]
