"""Filters over many (repository id, tag name) pairs.

One OR branch per repository, with the repository's names in one IN list:
Tortoise nests each `|` one level deeper and rebuilds the SQL of every level
below it, so an OR over a pair per tag cost milliseconds of the event loop per
few hundred tags (an envelope of 10,000 events stalled the worker for 0.4 s)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from tortoise.expressions import Q

TagKey = tuple[int, str]  # (repository id, tag name)
# Names per statement: SQLite binds at most 999 parameters on older builds.
NAMES_PER_FILTER = 500


def tag_filters(keys: Iterable[TagKey], name_field: str = "name") -> Iterator[Q]:
    """Filters that together match exactly the rows of `keys`, each binding at
    most NAMES_PER_FILTER names."""
    names: dict[int, set[str]] = defaultdict(set)
    for repository_id, name in keys:
        names[repository_id].add(name)
    condition, bound = Q(), 0
    for repository_id in sorted(names):
        ordered = sorted(names[repository_id])
        for start in range(0, len(ordered), NAMES_PER_FILTER):
            part = ordered[start : start + NAMES_PER_FILTER]
            if bound and bound + len(part) > NAMES_PER_FILTER:
                yield condition
                condition, bound = Q(), 0
            wanted: dict[str, Any] = {"repository_id": repository_id, f"{name_field}__in": part}
            condition |= Q(**wanted)
            bound += len(part)
    if bound:
        yield condition
