from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.types import Info

from app.graphql.core.pagination import Page, to_connection
from app.projects.loaders import PROJECT
from app.projects.nodes import ProjectScopedNode
from app.projects.project_type import ProjectType
from app.registries.access_tokens import IssuedCredentials
from app.registries.graphql.enums import (
    PublisherProviderEnum,
    RegistryTokenScopeEnum,
    RegistryTokenStatusEnum,
    RegistryTypeEnum,
    VerificationStatusEnum,
)
from app.registries.graphql.images import RepositoryType
from app.registries.images.loaders import REPOSITORY_PAGES
from app.registries.loaders import (
    GRACE_SECRET,
    PUBLISHERS_BY_REGISTRY,
    REGISTRY,
    REGISTRY_TOKEN_PAGES,
    REGISTRY_TOKEN_ROW,
    TRUSTED_PUBLISHER,
)
from app.registries.models import Registry, RegistryToken, RegistryType, TrustedPublisher
from app.registries.oidc.conditions import unbound_identity


@strawberry.type(
    name="Registry",
    description="A container registry of a project. Secrets are write-only: no field "
    "returns a token, decrypted or encrypted.",
)
class RegistryNode(ProjectScopedNode):
    """Resolved straight from `Registry` rows: resolvers return models."""

    model = Registry
    loader = REGISTRY

    id: relay.NodeID[int]
    type: RegistryTypeEnum
    name: str
    hostname: str
    region: str | None = strawberry.field(description="Set for Nodion registries only.")
    is_default: bool = strawberry.field(
        description="The registry Nodion uses for builds in this region."
    )
    username: str | None
    has_credentials: bool = strawberry.field(
        description="Third-party: credentials are stored. Nodion: at least one of its access "
        "tokens works (is neither revoked nor past its expiry or grace period)."
    )
    anonymous: bool = strawberry.field(
        description="A third-party registry without credentials: public images, pulled anonymously."
    )
    token_hint: str | None = strawberry.field(
        description="Last four characters of the stored token, to tell tokens apart. Nodion: "
        "of its newest working access token (null when none works); see `tokens`."
    )
    credentials_created_at: datetime | None = strawberry.field(
        description="Nodion: when its first access token was made."
    )
    credentials_updated_at: datetime | None = strawberry.field(
        description="Nodion: when one of its access tokens was last made, rotated or revoked."
    )
    last_used_at: datetime | None = strawberry.field(
        description="Nodion: the last login with any of its access tokens (recorded at most "
        "once a minute per token)."
    )
    created_at: datetime
    ca_certificate: str | None = strawberry.field(
        description="PEM of the private CA trusted for this custom registry."
    )
    verification_status: VerificationStatusEnum | None = strawberry.field(
        description="Result of the last check of a third-party registry; "
        "NOT_VERIFIED when it was saved with verify: false."
    )
    verification_message: str | None
    last_verified_at: datetime | None
    project_id: strawberry.Private[int]

    @strawberry.field
    async def project(self, info: Info) -> ProjectType:
        return await info.context.loaders[PROJECT].load(self.project_id)  # type: ignore[no-any-return]  # a Project row stands in for the type

    @strawberry.field(
        description="Access tokens of a Nodion registry, newest first, one per token: the "
        "ACTIVE ones, or with includeInactive also EXPIRED and REVOKED ones. A secret "
        "replaced by a rotation is not listed as a token: its token shows it "
        "(`graceEndsAt`, `graceTokenHint`) while it still works."
    )
    async def tokens(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_inactive: bool = False,
    ) -> relay.Connection[RegistryTokenNode]:
        page = Page.of(first, after)
        rows = await info.context.loaders[REGISTRY_TOKEN_PAGES].load(
            (self.id, page, include_inactive)
        )
        return to_connection(rows, page, lambda row: row)

    @strawberry.field(
        description="Repositories of a Nodion registry (its region's store, under the "
        "project's namespace), most recently made first; empty for other registries."
    )
    async def repositories(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> relay.Connection[RepositoryType]:
        page = Page.of(first, after)
        if self.type is not RegistryType.NODION or self.region is None:
            return to_connection([], page, lambda row: row)
        rows = await info.context.loaders[REPOSITORY_PAGES].load(
            (self.project_id, self.region, page)
        )
        return to_connection(rows, page, lambda row: row)

    @strawberry.field(
        description="CI identities that may push to a Nodion registry with their OIDC token "
        "instead of a stored secret, oldest first (at most 50)."
    )
    async def trusted_publishers(self, info: Info) -> list[TrustedPublisherNode]:
        return await info.context.loaders[PUBLISHERS_BY_REGISTRY].load(self.id)  # type: ignore[no-any-return]  # TrustedPublisher rows stand in for the type


@strawberry.type(
    name="TrustedPublisherCondition",
    description="A claim the CI's OIDC token must carry, and the value it must match "
    "(a glob: `*` matches anything, characters in brackets are taken literally).",
)
class TrustedPublisherCondition:
    claim: str
    value: str


@strawberry.type(
    name="TrustedPublisher",
    description="A CI identity (a GitHub Actions workflow, a GitLab CI project, a custom "
    "OIDC subject) whose OIDC token POST /registry/oidc/exchange trades for a push "
    "credential that works for minutes, on `repositories` only.",
)
class TrustedPublisherNode(ProjectScopedNode):
    """Resolved straight from `TrustedPublisher` rows: resolvers return models."""

    model = TrustedPublisher
    loader = TRUSTED_PUBLISHER

    id: relay.NodeID[int]
    provider: PublisherProviderEnum
    issuer: str = strawberry.field(description="The `iss` its tokens carry.")
    audience: str = strawberry.field(
        description="The `aud` its tokens must carry (by default the registry's hostname)."
    )
    ca_certificate: str | None = strawberry.field(
        description="PEM of the private CA trusted for the issuer's https."
    )
    repositories: list[str] = strawberry.field(
        description="The repositories (globs) its credentials may pull and push."
    )
    created_at: datetime
    created_by: str | None = strawberry.field(description="Email of who added it.")
    last_used_at: datetime | None = strawberry.field(description="Its last exchange or login.")
    project_id: strawberry.Private[int]
    registry_id: strawberry.Private[int]
    if TYPE_CHECKING:  # columns of the TrustedPublisher rows this type is resolved from
        conditions: dict[str, str]

    @strawberry.field(name="conditions", description="What its tokens' claims must match.")
    def condition_list(self) -> list[TrustedPublisherCondition]:
        return [
            TrustedPublisherCondition(claim=claim, value=value)
            for claim, value in self.conditions.items()
        ]

    @strawberry.field(
        description="Why it accepts no token, or null: a publisher stored before every "
        "publisher had to bind an identity claim to an exact value (a subject `*`) is kept "
        "but matches nothing. Remove it and add one that binds."
    )
    def problem(self) -> str | None:
        reason = unbound_identity(self.conditions)
        return f"It accepts no token: {reason}." if reason else None

    @strawberry.field
    async def registry(self, info: Info) -> RegistryNode:
        return await info.context.loaders[REGISTRY].load(self.registry_id)  # type: ignore[no-any-return]  # a Registry row stands in for the type


@strawberry.type(
    name="RegistryToken",
    description="An access token of a Nodion registry, the password of `docker login`. "
    "Its secret is shown once, when it is made; no field returns it.",
)
class RegistryTokenNode(ProjectScopedNode):
    """Resolved straight from `RegistryToken` rows: resolvers return models."""

    model = RegistryToken
    loader = REGISTRY_TOKEN_ROW

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique among the registry's active tokens.")
    scope: RegistryTokenScopeEnum
    created_at: datetime
    created_by: str | None = strawberry.field(description="Email of who made it.")
    last_used_at: datetime | None = strawberry.field(
        description="Its last login (recorded at most once a minute)."
    )
    revoked_at: datetime | None
    project_id: strawberry.Private[int]
    registry_id: strawberry.Private[int]
    if TYPE_CHECKING:  # columns of the RegistryToken rows this type is resolved from
        hint: str
        ends_at: datetime | None
        replaced_by_id: int | None

        def status_at(self, now: datetime) -> RegistryTokenStatusEnum: ...

    @strawberry.field(description="Last four characters of the token, to tell tokens apart.")
    def token_hint(self) -> str:
        return self.hint

    @strawberry.field(
        description="When it stops working: its expiry, or the end of its rotation's grace "
        "period, whichever is first. Null: it does not expire."
    )
    def expires_at(self) -> datetime | None:
        return self.ends_at

    @strawberry.field
    def status(self) -> RegistryTokenStatusEnum:
        return self.status_at(datetime.now(UTC))

    @strawberry.field(
        name="graceEndsAt",
        description="After a rotation: when the token's previous secret stops working (the "
        "end of its grace period, or its expiry if sooner). Null when no previous secret "
        "works, and on a secret that was itself replaced. Revoking the token stops it too.",
    )
    async def previous_secret_ends_at(self, info: Info) -> datetime | None:
        # The row's own `grace_ends_at` column is when *it* stops, once replaced.
        previous = await _previous_secret(self, info)  # type: ignore[arg-type]  # a row stands in
        return previous.ends_at if previous is not None else None

    @strawberry.field(
        description="Last four characters of the previous secret that still works in its "
        "grace period (see graceEndsAt), to tell which one a client still uses."
    )
    async def grace_token_hint(self, info: Info) -> str | None:
        previous = await _previous_secret(self, info)  # type: ignore[arg-type]  # a row stands in
        return previous.hint if previous is not None else None

    @strawberry.field(description="The token a rotation made to replace it.")
    async def replaced_by(self, info: Info) -> RegistryTokenNode | None:
        if self.replaced_by_id is None:
            return None
        return await info.context.loaders[REGISTRY_TOKEN_ROW].load(self.replaced_by_id)  # type: ignore[no-any-return]  # a RegistryToken row stands in for the type

    @strawberry.field
    async def registry(self, info: Info) -> RegistryNode:
        return await info.context.loaders[REGISTRY].load(self.registry_id)  # type: ignore[no-any-return]  # a Registry row stands in for the type


async def _previous_secret(token: RegistryToken, info: Info) -> RegistryToken | None:
    """The secret a rotation replaced by `token`, while it still works."""
    if token.grace_ends_at is not None or token.revoked_at is not None:
        return None  # a replaced or revoked secret has no working predecessor
    return await info.context.loaders[GRACE_SECRET].load((token.registry_id, token.name))  # type: ignore[no-any-return]


@strawberry.type(name="RegistryProvider")
class RegistryProvider:
    type: RegistryTypeEnum
    display_name: str
    default_hostname: str | None
    hostname_required: bool


@strawberry.type(name="Region")
class Region:
    slug: str
    name: str
    registry_hostname: str


@strawberry.type(description="Shown once; Nodion cannot show the token again.")
class RegistryCredentials:
    hostname: str
    username: str
    token: str
    docker_login: str = strawberry.field(
        description="The login command; pass the token on standard input."
    )

    @classmethod
    def of(cls, made: IssuedCredentials) -> RegistryCredentials:
        return cls(
            hostname=made.hostname,
            username=made.username,
            token=made.token,
            docker_login=made.docker_login,
        )
