"""`also_direct`: how a resolver declares its graphql-core twin.

Imports nothing of strawberry's or graphql-core's internals, so domains can
declare twins whether the fast path is on or off (off, the twins are unused).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_TWINS: dict[Callable[..., Any], Callable[..., Any]] = {}


def also_direct(twin: Callable[..., Any]) -> Callable[[F], F]:
    """Declare `twin(source, info, **arguments)` as the graphql-core resolver of
    the decorated resolver; both must give the same answer (usually the resolver
    just calls the twin)."""

    def register(resolver: F) -> F:
        _TWINS[resolver] = twin
        return resolver

    return register


def twin_of(resolver: Callable[..., Any] | None) -> Callable[..., Any] | None:
    return _TWINS.get(resolver) if resolver is not None else None
