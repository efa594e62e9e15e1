"""Typed errors returned as data in mutation result unions."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from app import errors
from app.registries.graphql_enums import VerificationStatusEnum
from app.registries.models import VerificationStatus


@strawberry.interface(description="An expected failure; `message` says what to fix.")
class Error:
    message: str


@strawberry.type(description="The input is invalid; `field` names the input field to fix.")
class ValidationError(Error):
    field: str


@strawberry.type(description="No such object, or it is not visible to you.")
class NotFoundError(Error):
    pass


@strawberry.type(description="You can see this object but your role does not allow the change.")
class PermissionDeniedError(Error):
    pass


@strawberry.type(description="The one-shot credentials of this registry were already generated.")
class CredentialsAlreadyGeneratedError(Error):
    pass


@strawberry.type(description="The stored credentials cannot be decrypted with the service's keys.")
class CredentialsUnreadableError(Error):
    pass


@strawberry.type(description="The operation does not apply to this kind of object.")
class NotSupportedError(Error):
    pass


@strawberry.type(description="The change would leave the project in a state it must not be in.")
class ConflictError(Error):
    pass


@strawberry.type(
    description="The registry did not accept the connection or the credentials; nothing was stored."
)
class RegistryVerificationError(Error):
    status: VerificationStatusEnum


def as_error(error: errors.DomainError) -> Error:
    """The GraphQL type for a domain failure."""
    if isinstance(error, errors.ValidationFailed):
        return ValidationError(message=error.message, field=error.field)
    if isinstance(error, errors.VerificationFailed):
        return RegistryVerificationError(
            message=error.message, status=VerificationStatus(error.status)
        )
    mapping: dict[type[errors.DomainError], type[Error]] = {
        errors.NotFound: NotFoundError,
        errors.PermissionDenied: PermissionDeniedError,
        errors.CredentialsAlreadyGenerated: CredentialsAlreadyGeneratedError,
        errors.NotSupported: NotSupportedError,
        errors.Conflict: ConflictError,
        errors.CredentialsUnreadable: CredentialsUnreadableError,
    }
    return mapping[type(error)](message=error.message)


class PublicGraphQLError(GraphQLError):
    """A deliberate top-level error whose message is safe to show (never masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})
