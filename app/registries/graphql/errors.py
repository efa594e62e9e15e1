"""The GraphQL faces of the registry domain's own failures."""

from __future__ import annotations

import strawberry

from app.graphql.core.errors import Error, error_type
from app.registries.errors import (
    CredentialsAlreadyGenerated,
    CredentialsUnreadable,
    RegistryUnreachable,
    VerificationFailed,
)
from app.registries.graphql.enums import VerificationStatusEnum
from app.registries.statuses import VerificationStatus


@error_type(CredentialsAlreadyGenerated)
@strawberry.type(description="The one-shot credentials of this registry were already generated.")
class CredentialsAlreadyGeneratedError(Error):
    pass


@error_type(CredentialsUnreadable)
@strawberry.type(description="The stored credentials cannot be decrypted with the service's keys.")
class CredentialsUnreadableError(Error):
    pass


@error_type(VerificationFailed)
@strawberry.type(
    description="The registry did not accept the connection or the credentials; nothing was stored."
)
class RegistryVerificationError(Error):
    status: VerificationStatusEnum

    @classmethod
    def from_domain(cls, error: VerificationFailed) -> RegistryVerificationError:
        return cls(message=error.message, status=VerificationStatus(error.status))


@error_type(RegistryUnreachable)
@strawberry.type(
    description="The managed registry's API did not answer as expected; nothing was deleted."
)
class RegistryUnreachableError(Error):
    pass
