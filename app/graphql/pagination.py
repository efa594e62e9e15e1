"""Keyset pagination, newest first, for Relay connections.

Cursors encode the row id; ids only grow, so "newest first" is "id descending"
and a page is one indexed range query, however deep the client pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from strawberry import relay
from strawberry.relay.utils import from_base64, to_base64
from tortoise.queryset import QuerySet

from app.graphql.errors import PublicGraphQLError

T = TypeVar("T")
DEFAULT_PAGE = 20
MAX_PAGE = 100
CURSOR_PREFIX = "cursor"


def _after_id(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        prefix, value = from_base64(after)
        if prefix != CURSOR_PREFIX:
            raise ValueError
        return int(value)
    except ValueError:
        raise PublicGraphQLError(
            "`after` is not a cursor from this connection.", "BAD_USER_INPUT"
        ) from None


async def paginate(
    queryset: QuerySet[Any], *, first: int | None, after: str | None, wrap: Callable[[Any], T]
) -> relay.Connection[T]:
    size = DEFAULT_PAGE if first is None else first
    if not 0 <= size <= MAX_PAGE:
        raise PublicGraphQLError(f"`first` must be from 0 to {MAX_PAGE}.", "BAD_USER_INPUT")
    after_id = _after_id(after)
    if after_id is not None:
        queryset = queryset.filter(id__lt=after_id)
    rows = await queryset.order_by("-id").limit(size + 1)
    page = rows[:size]
    edges = [relay.Edge(cursor=to_base64(CURSOR_PREFIX, row.id), node=wrap(row)) for row in page]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after_id is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
