"""The registries' GraphQL enums. `strawberry.enum` marks the Python enum itself
(it returns the class it is given), so each alias below is that class: a resolver
returns model values as they are. Annotations import the alias from here, which
also makes sure the enum was marked before the schema reads them."""

from typing import TypeAlias

import strawberry

from app.registries.models import PublisherProvider, RegistryType, TokenScope, TokenStatus
from app.registries.statuses import ImageStatus, VerificationStatus

strawberry.enum(RegistryType, name="RegistryType")
strawberry.enum(VerificationStatus, name="VerificationStatus")
strawberry.enum(ImageStatus, name="ImageCheckStatus")
strawberry.enum(
    TokenScope, name="RegistryTokenScope", description="PUSH includes pull; PULL is pull only."
)
strawberry.enum(
    TokenStatus,
    name="RegistryTokenStatus",
    description="ACTIVE works; EXPIRING works until its rotation's grace period ends; "
    "EXPIRED and REVOKED are refused.",
)
strawberry.enum(
    PublisherProvider,
    name="TrustedPublisherProvider",
    description="Whose OIDC tokens a trusted publisher accepts: GitHub Actions, GitLab CI "
    "(gitlab.com or self-managed), or any other https OIDC issuer.",
)

RegistryTypeEnum: TypeAlias = RegistryType
VerificationStatusEnum: TypeAlias = VerificationStatus
ImageStatusEnum: TypeAlias = ImageStatus
RegistryTokenScopeEnum: TypeAlias = TokenScope
RegistryTokenStatusEnum: TypeAlias = TokenStatus
PublisherProviderEnum: TypeAlias = PublisherProvider
