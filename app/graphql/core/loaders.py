"""Per-request DataLoaders, keyed by the batch function a domain declares.

A domain declares `FOO = BatchLoad(load_foos)` next to its loaders; resolvers
ask `info.context.loaders[FOO]`. Nothing has to be listed centrally, and a new
DataLoader is made per request, so no cached row outlives it (the service is
stateless; another worker may change anything between two requests).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar, cast

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
    """This request's DataLoaders. With `peek` (the fast path, see
    app.graphql.core.fast_path), a value already loaded is answered without an
    await; without it, every value goes through the DataLoader's public API."""

    def __init__(self, viewer: Any | None, *, peek: bool = False) -> None:
        self.viewer = viewer
        self._made: dict[BatchLoad[Any, Any], DataLoader[Any, Any]] = {}
        self._peek: tuple[Callable[..., Any], Callable[..., Any]] | None = None
        if peek:
            from app.graphql.core.fast_path.compat import batch_function, cached_future

            self._peek = cached_future, batch_function

    def release(self) -> None:
        """Drop this request's DataLoaders and the rows they hold once it is answered.
        graphql-core's execution context is a reference cycle (it keeps bound methods
        of itself), and it holds the context: without this, every row a request loaded
        would wait for the cyclic garbage collector instead of being freed at once."""
        self._made.clear()

    async def load_page(self, spec: BatchLoad[K, V], keys: Sequence[K]) -> None:
        """Load `keys` with one call of the batch function and keep the answers
        for this request, as `load_many` would, but without a future gathered per
        key: a list resolver loads its page this way, and its items find it loaded."""
        loader = self[spec]
        if self._peek is None:
            # As load_many, but an error stays for `load` to raise where asked.
            await asyncio.gather(*(loader.load(key) for key in keys), return_exceptions=True)
            return
        cached_future, batch_function = self._peek
        missing = [key for key in dict.fromkeys(keys) if cached_future(loader, key) is None]
        if not missing:
            return
        values = await batch_function(loader)(missing)
        loader.prime_many(
            {
                key: value
                for key, value in zip(missing, values, strict=True)
                # An error is for `load` to raise, where the value is asked for.
                if not isinstance(value, BaseException)
            }
        )

    def __getitem__(self, spec: BatchLoad[K, V]) -> DataLoader[K, V]:
        loader = self._made.get(spec)
        if loader is None:
            load = partial(spec.load, self.viewer) if spec.per_viewer else spec.load
            loader = self._made[spec] = DataLoader(load)
        return loader

    def now_or_later(self, spec: BatchLoad[K, V], key: K) -> V | Awaitable[V]:
        """The value if this request has loaded it already (e.g. a list resolver
        loaded it for its whole page) and peeking is on, else the loader's
        awaitable. A resolver that returns this, as a plain function, costs no
        await per item of such a list; graphql-core awaits what it returns otherwise."""
        loader = self[spec]
        if self._peek is not None:
            future = self._peek[0](loader, key)
            loaded = future is not None and future.done() and not future.cancelled()
            if loaded and future.exception() is None:
                return cast("V", future.result())
        return loader.load(key)


R = TypeVar("R")


def then(value: V | Awaitable[V], use: Callable[[V], R]) -> R | Awaitable[R]:
    """`use(value)` now if the value is here, else once it has been awaited."""
    if not inspect.isawaitable(value):
        return use(value)
    awaitable = value

    async def later() -> R:
        return use(await awaitable)

    return later()
