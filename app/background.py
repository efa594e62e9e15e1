"""Work that runs beside serving (periodic sweeps), started and stopped with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from typing import Any


@asynccontextmanager
async def in_background(
    work: Callable[[], Coroutine[Any, Any, None]] | None,
) -> AsyncIterator[None]:
    """Runs `work()` as a task while inside (None: nothing), cancelled on the way out."""
    if work is None:
        yield
        return
    task = asyncio.create_task(work())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
