"""Expected failures of the registry rules."""

from __future__ import annotations

from app.errors import DomainError
from app.registries.statuses import CheckStatus


class CredentialsAlreadyGenerated(DomainError):
    pass


class CredentialsUnreadable(DomainError):
    """Stored credentials that no key of the ring decrypts (a key went missing)."""


class VerificationFailed(DomainError):
    """A third-party registry did not accept the connection or the credentials."""

    def __init__(self, status: CheckStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class RegistryUnreachable(DomainError):
    """A managed registry's API did not answer as expected; nothing was changed there."""
