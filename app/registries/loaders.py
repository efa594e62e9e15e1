"""Batch loads for GraphQL: one query per kind of data per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.expressions import Q

from app.graphql.core.loaders import BatchLoad
from app.graphql.core.pagination import Page, load_pages
from app.registries.access_tokens import active, working
from app.registries.models import Registry, RegistryToken, TrustedPublisher


async def load_registries(ids: Sequence[int]) -> list[Registry | None]:
    found = {registry.id: registry for registry in await Registry.filter(id__in=ids)}
    return [found.get(registry_id) for registry_id in ids]


async def load_registries_by_project(project_ids: Sequence[int]) -> list[list[Registry]]:
    grouped: dict[int, list[Registry]] = defaultdict(list)
    for registry in await Registry.filter(project_id__in=project_ids).order_by("id"):
        grouped[registry.project_id].append(registry)
    return [grouped[project_id] for project_id in project_ids]


async def load_tokens(ids: Sequence[int]) -> list[RegistryToken | None]:
    found = {token.id: token for token in await RegistryToken.filter(id__in=ids)}
    return [found.get(token_id) for token_id in ids]


async def load_token_pages(
    keys: Sequence[tuple[int, Page, bool]],
) -> list[list[RegistryToken]]:
    """(registry id, page, include inactive) -> up to a page and one of its tokens,
    newest first, one row per token: a secret replaced by a rotation is not a
    token of its own (its token shows it as `graceEndsAt`). All of them: a page
    per registry through the index on (registry_id, id). The active ones (at
    most 50): read in one query for every registry asked, then paged here."""
    every = [(registry_id, page) for registry_id, page, include in keys if include]
    pages = dict(
        zip(
            every,
            await load_pages(RegistryToken, "registry_id", every, null=("grace_ends_at",)),
            strict=True,
        )
    )
    working_ids = sorted({registry_id for registry_id, _, include in keys if not include})
    grouped: dict[int, list[RegistryToken]] = defaultdict(list)
    if working_ids:
        now = datetime.now(UTC)
        rows = RegistryToken.filter(Q(registry_id__in=working_ids) & active(now))
        for token in await rows.order_by("-id"):
            grouped[token.registry_id].append(token)
    answers = []
    for registry_id, page, include in keys:
        if include:
            answers.append(pages[(registry_id, page)])
            continue
        rows_after = [
            token
            for token in grouped[registry_id]
            if page.after_id is None or token.id < page.after_id
        ]
        answers.append(rows_after[: page.size + 1])
    return answers


async def load_grace_secrets(
    keys: Sequence[tuple[int, str]],
) -> list[RegistryToken | None]:
    """(registry id, token name) -> the token's previous secret that still
    works in its grace period (the last to stop, should there be several), or
    None: one query for every token of a page."""
    now = datetime.now(UTC)
    registry_ids = sorted({registry_id for registry_id, _ in keys})
    names = sorted({name for _, name in keys})
    found: dict[tuple[int, str], RegistryToken] = {}
    rows = RegistryToken.filter(
        Q(registry_id__in=registry_ids)
        & Q(name__in=names)
        & Q(grace_ends_at__isnull=False)
        & working(now)
    )
    for row in await rows:
        key = (row.registry_id, row.name)
        kept = found.get(key)
        if kept is None or _stops_later(row, kept):
            found[key] = row
    return [found.get(key) for key in keys]


def _stops_later(row: RegistryToken, than: RegistryToken) -> bool:
    ends, other = row.ends_at, than.ends_at
    assert ends is not None and other is not None  # both have a grace period's end
    return (ends, row.id) > (other, than.id)


async def load_publishers(ids: Sequence[int]) -> list[TrustedPublisher | None]:
    found = {row.id: row for row in await TrustedPublisher.filter(id__in=ids)}
    return [found.get(publisher_id) for publisher_id in ids]


async def load_publishers_by_registry(
    registry_ids: Sequence[int],
) -> list[list[TrustedPublisher]]:
    """A registry's trusted publishers (at most 50), oldest first."""
    grouped: dict[int, list[TrustedPublisher]] = defaultdict(list)
    for row in await TrustedPublisher.filter(registry_id__in=registry_ids).order_by("id"):
        grouped[row.registry_id].append(row)
    return [grouped[registry_id] for registry_id in registry_ids]


TRUSTED_PUBLISHER = BatchLoad[int, TrustedPublisher | None](load_publishers)
PUBLISHERS_BY_REGISTRY = BatchLoad[int, list[TrustedPublisher]](load_publishers_by_registry)
REGISTRY_TOKEN_ROW = BatchLoad[int, RegistryToken | None](load_tokens)
GRACE_SECRET = BatchLoad[tuple[int, str], RegistryToken | None](load_grace_secrets)
REGISTRY_TOKEN_PAGES = BatchLoad[tuple[int, Page, bool], list[RegistryToken]](load_token_pages)
REGISTRY = BatchLoad[int, Registry | None](load_registries)
REGISTRIES_BY_PROJECT = BatchLoad[int, list[Registry]](load_registries_by_project)
