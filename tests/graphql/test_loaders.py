"""Loaders.load_page: a list's page loaded with one batch call, kept for the request,
with the fast path's DataLoader peeking (`peek=True`) and without it."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import pytest

from app.graphql.core.loaders import BatchLoad, Loaders

pytestmark = pytest.mark.parametrize("peek", [True, False], ids=["fast-path", "stock"])


class Batches:
    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def __call__(self, keys: Sequence[int]) -> list[object]:
        self.calls.append(list(keys))
        return [ValueError(f"no {key}") if key < 0 else f"row {key}" for key in keys]


async def value_of(loaders: Loaders, spec: BatchLoad[int, object], key: int, peek: bool) -> object:
    value = loaders.now_or_later(spec, key)
    # Peeking answers a loaded value at once; the stock path always awaits.
    assert inspect.isawaitable(value) is not peek
    return await value if inspect.isawaitable(value) else value


async def test_a_page_is_one_batch_call_and_its_items_are_loaded_after_it(peek: bool):
    batches = Batches()
    spec = BatchLoad[int, object](batches)
    loaders = Loaders(viewer=None, peek=peek)
    assert await loaders[spec].load(1) == "row 1"

    await loaders.load_page(spec, [3, 2, 1, 3])

    # One call, for the keys not loaded yet, each once.
    assert batches.calls == [[1], [3, 2]]
    assert [await value_of(loaders, spec, key, peek) for key in (1, 2, 3)] == [
        "row 1",
        "row 2",
        "row 3",
    ]
    await loaders.load_page(spec, [1, 2])
    assert len(batches.calls) == 2


async def test_an_error_in_the_page_is_raised_where_its_value_is_asked_for(peek: bool):
    batches = Batches()
    spec = BatchLoad[int, object](batches)
    loaders = Loaders(viewer=None, peek=peek)

    await loaders.load_page(spec, [5, -1])

    assert await value_of(loaders, spec, 5, peek) == "row 5"
    with pytest.raises(ValueError, match="no -1"):
        await loaders[spec].load(-1)
