"""Per-request DataLoaders, keyed by the batch function a domain declares.

A domain declares `FOO = BatchLoad(load_foos)` next to its loaders; resolvers
ask `info.context.loaders[FOO]`. Nothing has to be listed centrally, and a new
DataLoader is made per request, so no cached row outlives it (the service is
stateless; another worker may change anything between two requests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, eq=False)
class BatchLoad(Generic[K, V]):
    """A batch function `(keys) -> values`, or `(viewer, keys) -> values` when
    `per_viewer` (the answer depends on who asks, e.g. the viewer's role)."""

    load: Callable[..., Awaitable[Sequence[V]]]
    per_viewer: bool = False


class Loaders:
    def __init__(self, viewer: Any | None) -> None:
        self.viewer = viewer
        self._made: dict[BatchLoad[Any, Any], DataLoader[Any, Any]] = {}

    def __getitem__(self, spec: BatchLoad[K, V]) -> DataLoader[K, V]:
        loader = self._made.get(spec)
        if loader is None:
            load = partial(spec.load, self.viewer) if spec.per_viewer else spec.load
            loader = self._made[spec] = DataLoader(load)
        return loader
