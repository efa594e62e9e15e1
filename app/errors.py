"""Expected failures of the domain rules.

Services raise these (and subclasses a domain defines, e.g.
`app.registries.errors`); the GraphQL layer turns each into the typed error
registered for it (`app.graphql.core.errors.error_type`). Messages are shown
to users: they say what to fix and never contain a secret.
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


class NotSupported(DomainError):
    """The operation does not apply to this kind of object."""


class Conflict(DomainError):
    """The operation would leave the project in a state it must not be in."""
