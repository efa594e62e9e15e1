"""Run a mutation body and turn an expected failure into its typed error."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from app.errors import DomainError
from app.graphql.errors import Error, as_error

T = TypeVar("T")


async def result_of(work: Awaitable[T]) -> T | Any:
    try:
        return await work
    except DomainError as failure:
        error: Error = as_error(failure)
        return error
