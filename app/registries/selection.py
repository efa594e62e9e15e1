"""Which of a project's registries a question means."""

from __future__ import annotations

from collections.abc import Iterable

from app.registries.models import Registry, RegistryType


def matching(
    rows: Iterable[Registry], type: RegistryType | None = None, region: str | None = None
) -> list[Registry]:
    return [
        row
        for row in rows
        if (type is None or row.type == type) and (region is None or row.region == region)
    ]


def default_of(rows: Iterable[Registry], region: str) -> Registry | None:
    """The registry Nodion uses for builds in `region`: its default Nodion registry."""
    return next(
        (
            row
            for row in rows
            if row.type is RegistryType.NODION and row.is_default and row.region == region
        ),
        None,
    )


async def default_registry(
    project_id: int, region: str, *, besides: int | None = None
) -> Registry | None:
    """`besides`: a registry being removed, which is still marked default until
    its row goes while its successor already is."""
    rows = Registry.filter(
        project_id=project_id, type=RegistryType.NODION, is_default=True, region=region
    )
    if besides is not None:
        rows = rows.exclude(id=besides)
    return await rows.order_by("-id").first()
