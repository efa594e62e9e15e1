"""One vocabulary for what happened when Nodion talked to a registry.

Verification and image checks share their failures (the six in FAILURES); the
GraphQL enums `VerificationStatus` and `ImageCheckStatus` are the subsets each
can answer, made from this one enum so a failure is named in one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING


class CheckStatus(StrEnum):
    OK = "OK"
    FOUND = "FOUND"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHORIZED = "UNAUTHORIZED"
    NOT_A_REGISTRY = "NOT_A_REGISTRY"
    UNREACHABLE = "UNREACHABLE"
    TLS_ERROR = "TLS_ERROR"
    TIMEOUT = "TIMEOUT"
    BLOCKED = "BLOCKED"
    NOT_VERIFIED = "NOT_VERIFIED"


FAILURES = (
    CheckStatus.UNAUTHORIZED,
    CheckStatus.NOT_A_REGISTRY,
    CheckStatus.UNREACHABLE,
    CheckStatus.TLS_ERROR,
    CheckStatus.TIMEOUT,
    CheckStatus.BLOCKED,
)


def _subset(name: str, *members: CheckStatus) -> type[StrEnum]:
    return StrEnum(name, [(member.name, member.value) for member in members])  # type: ignore[return-value]  # the functional API makes a class


if TYPE_CHECKING:
    # A type checker cannot read the members of a class made at run time: it
    # checks against the whole vocabulary, which holds every subset's names.
    VerificationStatus = CheckStatus
    ImageStatus = CheckStatus
else:
    # Stored in Registry.verification_status; NOT_VERIFIED: saved with verify: false.
    VerificationStatus = _subset(
        "VerificationStatus", CheckStatus.OK, *FAILURES, CheckStatus.NOT_VERIFIED
    )
    ImageStatus = _subset("ImageStatus", CheckStatus.FOUND, CheckStatus.NOT_FOUND, *FAILURES)
