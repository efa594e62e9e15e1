"""`@domain_result`: a mutation body returns its success type; an expected
failure raised by the domain rules becomes the typed error of its union."""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from app.errors import DomainError
from app.graphql.core.errors import as_error
from app.graphql.core.outcome import note_committed, note_typed_error

P = ParamSpec("P")
T = TypeVar("T")


class UndeclaredError(TypeError):
    """A resolver raised a domain error that its result union does not list: a
    bug in the union (a test fails on it), not something to show the client."""


def union_members(resolver: Callable[..., Any]) -> frozenset[type]:
    """The types of the union a resolver is annotated to return."""
    annotation = typing.get_type_hints(resolver, include_extras=True)["return"]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return frozenset(typing.get_args(annotation))
    return frozenset({annotation})


def domain_result(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    members: frozenset[type] | None = None

    @functools.wraps(resolver)
    async def resolve(*args: P.args, **kwargs: P.kwargs) -> T:
        nonlocal members
        try:
            done = await resolver(*args, **kwargs)
        except DomainError as failure:
            error = as_error(failure)
            if members is None:
                members = union_members(resolver)
            if type(error) not in members:
                raise UndeclaredError(
                    f"{resolver.__qualname__} raised {type(failure).__name__}, but its result "
                    f"union has no {type(error).__name__}"
                ) from failure
            note_typed_error()
            return error  # type: ignore[return-value]  # a member of the union T (checked above)
        note_committed()  # a mutation's answer must now say "done", even if reading it fails
        return done

    return resolve
