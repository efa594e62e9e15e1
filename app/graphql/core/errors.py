"""Typed errors returned as data in mutation result unions.

Each domain failure (a subclass of `app.errors.DomainError`) is shown as the
GraphQL type registered for it with `@error_type(...)`; a subclass without a
type of its own is shown as its nearest registered ancestor. Domains register
their own errors beside their GraphQL types; this module holds the shared ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from app import errors


@strawberry.interface(description="An expected failure; `message` says what to fix.")
class Error:
    message: str


E = TypeVar("E", bound=type[Error])
_TYPES: dict[type[errors.DomainError], type[Error]] = {}


def error_type(domain_error: type[errors.DomainError]) -> Callable[[E], E]:
    """Register a GraphQL error type as the face of `domain_error`. The type may
    define `from_domain(error)` to copy extra fields; by default only `message`."""

    def register(graphql_type: E) -> E:
        if domain_error in _TYPES:
            raise TypeError(f"{domain_error.__name__} already has a GraphQL type")
        _TYPES[domain_error] = graphql_type
        return graphql_type

    return register


def graphql_type_for(error_class: type[errors.DomainError]) -> type[Error] | None:
    """The registered type of `error_class` or of its nearest ancestor."""
    for klass in error_class.__mro__:
        if klass in _TYPES:
            return _TYPES[klass]
    return None


def registered_error_types() -> dict[type[errors.DomainError], type[Error]]:
    return dict(_TYPES)


def as_error(error: errors.DomainError) -> Error:
    """The GraphQL value for a domain failure."""
    graphql_type = graphql_type_for(type(error))
    if graphql_type is None:
        raise TypeError(f"{type(error).__name__} has no GraphQL error type; add @error_type")
    from_domain = getattr(graphql_type, "from_domain", None)
    if from_domain is not None:
        value: Error = from_domain(error)
        return value
    return graphql_type(message=error.message)


@error_type(errors.ValidationFailed)
@strawberry.type(description="The input is invalid; `field` names the input field to fix.")
class ValidationError(Error):
    field: str

    @classmethod
    def from_domain(cls, error: errors.ValidationFailed) -> ValidationError:
        return cls(message=error.message, field=error.field)


@error_type(errors.NotFound)
@strawberry.type(description="No such object, or it is not visible to you.")
class NotFoundError(Error):
    pass


@error_type(errors.PermissionDenied)
@strawberry.type(description="You can see this object but your role does not allow the change.")
class PermissionDeniedError(Error):
    pass


@error_type(errors.NotSupported)
@strawberry.type(description="The operation does not apply to this kind of object.")
class NotSupportedError(Error):
    pass


@error_type(errors.Conflict)
@strawberry.type(description="The change would leave the project in a state it must not be in.")
class ConflictError(Error):
    pass


class PublicGraphQLError(GraphQLError):
    """A deliberate top-level error whose message is safe to show (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})
