"""Expected failures of the domain rules.

Services raise these; the GraphQL layer turns each into a typed error in the
mutation's result union. Messages are shown to users: they say what to fix and
never contain a secret.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class CredentialsAlreadyGenerated(DomainError):
    pass


class NotSupported(DomainError):
    """The operation does not apply to this kind of object."""


class Conflict(DomainError):
    """The operation would leave the project in a state it must not be in."""


class CredentialsUnreadable(DomainError):
    """Stored credentials that no key of the ring decrypts (a key went missing)."""


class VerificationFailed(DomainError):
    """A third-party registry did not accept the connection or the credentials."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
