"""Loaders.load_page: a list's page loaded with one batch call, kept for the request."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.graphql.core.loaders import BatchLoad, Loaders, now_or_later


class Batches:
    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def __call__(self, keys: Sequence[int]) -> list[object]:
        self.calls.append(list(keys))
        return [ValueError(f"no {key}") if key < 0 else f"row {key}" for key in keys]


async def test_a_page_is_one_batch_call_and_its_items_are_loaded_after_it():
    batches = Batches()
    spec = BatchLoad[int, object](batches)
    loaders = Loaders(viewer=None)
    assert await loaders[spec].load(1) == "row 1"

    await loaders.load_page(spec, [3, 2, 1, 3])

    # One call, for the keys not loaded yet, each once.
    assert batches.calls == [[1], [3, 2]]
    assert [now_or_later(loaders[spec], key) for key in (1, 2, 3)] == ["row 1", "row 2", "row 3"]
    await loaders.load_page(spec, [1, 2])
    assert len(batches.calls) == 2


async def test_an_error_in_the_page_is_raised_where_its_value_is_asked_for():
    batches = Batches()
    spec = BatchLoad[int, object](batches)
    loaders = Loaders(viewer=None)

    await loaders.load_page(spec, [5, -1])

    assert now_or_later(loaders[spec], 5) == "row 5"
    with pytest.raises(ValueError, match="no -1"):
        await loaders[spec].load(-1)
