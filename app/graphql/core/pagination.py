"""Keyset pagination, newest first, for Relay connections.

Cursors encode the row id; ids only grow, so "newest first" is "id descending"
and a page is one indexed range query, however deep the client pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from strawberry import relay
from strawberry.relay import from_base64, to_base64
from tortoise.connection import connections
from tortoise.models import Model
from tortoise.queryset import QuerySet

from app.graphql.core.errors import PublicGraphQLError
from app.graphql.core.ids import node_id_int

DEFAULT_PAGE = 20
MAX_PAGE = 100
CURSOR_PREFIX = "cursor"
# (column, value) pairs a paginated load also filters on, e.g. (("action", "registry.added"),)
Equal = tuple[tuple[str, str], ...]


def _after_id(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        prefix, value = from_base64(after)
        row_id = node_id_int(value)
        if prefix != CURSOR_PREFIX or row_id is None:
            raise ValueError
        return row_id
    except ValueError:
        raise PublicGraphQLError(
            "`after` is not a cursor from this connection.", "BAD_USER_INPUT"
        ) from None


@dataclass(frozen=True)
class Page:
    """A requested page: `size` rows older than `after_id` (None: from the newest)."""

    size: int
    after_id: int | None

    @classmethod
    def of(cls, first: int | None, after: str | None) -> Page:
        size = DEFAULT_PAGE if first is None else first
        if not 0 <= size <= MAX_PAGE:
            raise PublicGraphQLError(f"`first` must be from 0 to {MAX_PAGE}.", "BAD_USER_INPUT")
        return cls(size, _after_id(after))


def to_connection(
    rows: Sequence[Any], page: Page, wrap: Callable[[Any], Any]
) -> relay.Connection[Any]:
    """`rows`: up to `page.size + 1` rows, newest first (one more tells a next page).
    `wrap` makes each row a node: a node type's object, or the row itself for a type
    that strawberry resolves from rows (so not always a `relay.Node`)."""
    edges = [
        relay.Edge(cursor=to_base64(CURSOR_PREFIX, row.id), node=wrap(row))
        for row in rows[: page.size]
    ]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(rows) > page.size,
            has_previous_page=page.after_id is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def paginate(
    queryset: QuerySet[Any], *, first: int | None, after: str | None
) -> relay.Connection[Any]:
    """A page of `queryset`'s rows, newest first; the rows are the nodes."""
    page = Page.of(first, after)
    if page.after_id is not None:
        queryset = queryset.filter(id__lt=page.after_id)
    rows = await queryset.order_by("-id").limit(page.size + 1)
    return to_connection(rows, page, lambda row: row)


# SQLite allows at most 500 terms in one compound SELECT (SQLITE_MAX_COMPOUND_SELECT):
# parents beyond this many in one batch go to another statement.
SQLITE_PARENTS_PER_STATEMENT = 400


async def load_pages(
    model: type[Model],
    parent_column: str,
    keys: Sequence[tuple[int, Page]],
    *,
    equal: Equal = (),
    null: tuple[str, ...] = (),
) -> list[list[Any]]:
    """For each (parent id, page): up to `page.size + 1` rows of `model` whose
    `parent_column` is that id (and whose `equal` columns have those values, and
    whose `null` columns are NULL), newest first; for DataLoaders of
    connections nested in lists.

    Each parent's rows are read newest first from the index on
    (`parent_column`, [equal columns,] id) and the read stops after the page:
    a parent with a million rows costs what one with a page of rows costs (a
    window function ranking each parent's rows read its whole history). One id
    query per distinct page (normally one), then one row query in all."""
    parents_by_page: dict[Page, set[int]] = defaultdict(set)
    for parent_id, page in keys:
        parents_by_page[page].add(parent_id)
    table = model.describe(serializable=False)["table"]
    connection = connections.get("default")
    postgres = connection.capabilities.dialect == "postgres"
    wanted: dict[tuple[int, Page], list[int]] = defaultdict(list)
    for page, parent_ids in parents_by_page.items():
        ordered = sorted(int(parent_id) for parent_id in parent_ids)
        batches = (
            [ordered]
            if postgres
            else [
                ordered[start : start + SQLITE_PARENTS_PER_STATEMENT]
                for start in range(0, len(ordered), SQLITE_PARENTS_PER_STATEMENT)
            ]
        )
        for batch in batches:
            sql, values = (_lateral if postgres else _union_all)(
                table, parent_column, batch, page, equal, null
            )
            for row in await connection.execute_query_dict(sql, values):
                wanted[(row["parent"], page)].append(row["id"])
    every_id = [row_id for ids in wanted.values() for row_id in ids]
    rows_found: list[Any] = await model.filter(id__in=every_id) if every_id else []
    found = {row.id: row for row in rows_found}
    return [
        [found[row_id] for row_id in sorted(wanted.get(key, []), reverse=True) if row_id in found]
        for key in keys
    ]


# Table and column names come from code; ids and the page are ints that were
# parsed and range-checked (ids by the loaders, the page by Page.of); the
# `equal` values (user input) are always bound parameters.


def _page_condition(page: Page, null: tuple[str, ...]) -> str:
    condition = "".join(f" AND {column} IS NULL" for column in null)
    if page.after_id is not None:
        condition += f" AND id < {int(page.after_id)}"
    return condition


def _lateral(
    table: str,
    parent_column: str,
    parents: list[int],
    page: Page,
    equal: tuple[tuple[str, str], ...],
    null: tuple[str, ...] = (),
) -> tuple[str, list[Any]]:
    """PostgreSQL: for each parent, an index scan that stops after the page."""
    filters = "".join(f" AND {column} = ${number}" for number, (column, _) in enumerate(equal, 2))
    sql = (
        f"SELECT page.id, parent.id AS parent FROM unnest($1::int[]) AS parent(id) "  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT id FROM {table} WHERE {parent_column} = parent.id"
        f"{filters}{_page_condition(page, null)} "
        f"ORDER BY id DESC LIMIT {int(page.size) + 1}) AS page"
    )
    return sql, [parents, *(value for _, value in equal)]


def _union_all(
    table: str,
    parent_column: str,
    parents: list[int],
    page: Page,
    equal: tuple[tuple[str, str], ...],
    null: tuple[str, ...] = (),
) -> tuple[str, list[Any]]:
    """SQLite (no LATERAL): one LIMIT subquery per parent, joined by UNION ALL."""
    filters = "".join(f" AND {column} = ?" for column, _ in equal)
    one = (
        f"SELECT * FROM (SELECT id, {parent_column} AS parent FROM {table} "  # noqa: S608
        f"WHERE {parent_column} = {{parent}}{filters}{_page_condition(page, null)} "
        f"ORDER BY id DESC LIMIT {int(page.size) + 1})"
    )
    sql = " UNION ALL ".join(one.format(parent=parent) for parent in parents)
    return sql, [value for _ in parents for _, value in equal]
