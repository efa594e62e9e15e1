"""The typed settings, read from `NODION_*` environment variables: the shared
ones in `Settings`, and each domain's own in its `Section` (its `settings.py`,
declared in its `Domain(settings=...)`), read through `settings.section(...)`.
Every section reads the same environment with the same prefix, so a variable's
name does not depend on where its setting is declared."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from app.networks import parse_networks

REGION_SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"


class Region(BaseModel):
    """A region where every project gets a managed registry."""

    slug: str = Field(pattern=REGION_SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    # The registry's Registry v2 API as this service reaches it (catalog, tags,
    # deletes); operator configuration, trusted like the database URL. Unset:
    # https://registry.<slug>.<registry_domain>.
    api_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")


DEFAULT_REGIONS = [
    Region(slug="eu-central", name="EU Central"),
    Region(slug="us-east", name="US East"),
]


class Section(BaseSettings):
    """A domain's own settings: a subclass declares its fields, read from
    `NODION_<FIELD>` as `Settings` reads its own."""

    model_config = SettingsConfigDict(env_prefix="NODION_", frozen=True)

    @classmethod
    def of(cls, settings: Settings) -> Self:
        """This section of the app's settings."""
        return settings.section(cls)


S = TypeVar("S", bound=Section)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NODION_", frozen=True)

    # The domains' sections read so far (or given by `with_sections`), by class.
    _sections: dict[type[Section], Section] = PrivateAttr(default_factory=dict)

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("./var")
    # Default: a SQLite file inside data_dir; production uses postgres://…
    database_url: str | None = None
    # JSON list, e.g. [{"slug": "eu-central", "name": "EU Central"}]
    regions: list[Region] = Field(default_factory=lambda: list(DEFAULT_REGIONS), min_length=1)
    registry_domain: str = "nodion.net"
    # Comma-separated `key-id:base64(32 bytes)` entries; the FIRST one encrypts,
    # every one decrypts. Generated into data_dir in development when unset.
    encryption_keys: SecretStr | None = None
    # Server-side secret for the HMAC digests of tokens (base64, >= 32 bytes).
    token_pepper: SecretStr | None = None
    log_level: str = "INFO"
    # text: one readable line per record; json: one JSON object per line (docs/operating.md).
    log_format: Literal["text", "json"] = "text"
    # GraphiQL at GET /graphql; unset means on in development, off in production.
    graphiql: bool | None = None
    # The GraphQL fast path (app/graphql/core/fast_path/): on, or off for
    # strawberry's stock execution when a strawberry release breaks it.
    graphql_fast_path: bool = True

    # The keys of Docker token authentication (app/security/keys.py), which
    # `nodion admin generate-signing-key` makes. PEM files: an EC P-256 private
    # key and its certificate. Generated into data_dir in development when unset.
    token_signing_key_file: Path | None = None
    token_signing_cert_file: Path | None = None
    # Failed logins at the token endpoint within a window (see app/security/throttle.py).
    # Past its limit an address, or an address with one username, is refused (429);
    # a username alone is only slowed down, so nobody can lock a rightful user out.
    auth_failure_window: int = Field(default=60, ge=1, description="seconds")
    auth_max_failures_per_address: int = Field(default=30, ge=1)
    auth_max_failures_per_address_and_username: int = Field(default=10, ge=1)
    auth_max_failures_per_username: int = Field(default=20, ge=1)
    auth_username_failure_delay: float = Field(default=1.0, ge=0, le=10, description="seconds")
    # Logins from one address whose answer is pending: a burst beyond is refused.
    auth_max_pending_logins_per_address: int = Field(default=32, ge=1)
    # Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed;
    # empty means the connecting address is the client's.
    trusted_proxies: str = ""

    # Limits checked before any work, signed in or not (see app/http/limits.py).
    # Request bodies (GraphQL documents plus variables, token forms): 413 above this.
    max_body_bytes: int = Field(default=262_144, ge=1024, le=16_777_216)
    # The request line plus all headers: 431 above this (uvicorn's h11 parser
    # refuses even earlier, at the same size).
    max_header_bytes: int = Field(default=16_384, ge=4096, le=1_048_576)
    # How many objects one GraphQL operation may ask for: page sizes multiplied
    # through nested connections and lists, summed over aliases.
    max_query_cost: int = Field(default=20_000, ge=100)

    # Outbound checks of third-party registries (see app/security/outbound.py).
    # Comma-separated CIDRs that may be reached although private, e.g. for an
    # on-premises registry; empty means public addresses only.
    # NODION_ALLOWED_OUTBOUND_NETWORKS is its newer name: it governs every
    # outbound connection (registries and OIDC issuers); either is read.
    allowed_registry_networks: str = Field(
        default="",
        validation_alias=AliasChoices(
            "NODION_ALLOWED_OUTBOUND_NETWORKS",
            "NODION_ALLOWED_REGISTRY_NETWORKS",
            "allowed_registry_networks",
        ),
    )
    outbound_timeout: float = Field(default=10, gt=0, le=10, description="seconds, in total")
    outbound_max_response_bytes: int = Field(default=1_048_576, ge=1024)

    # GET /metrics answers only with `Authorization: Bearer <this>`; unset: 404.
    metrics_token: SecretStr | None = None

    @field_validator("allowed_registry_networks", "trusted_proxies")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("regions")
    @classmethod
    def _unique_region_slugs(cls, regions: list[Region]) -> list[Region]:
        slugs = [region.slug for region in regions]
        if len(set(slugs)) != len(slugs):
            raise ValueError("region slugs must be unique")
        return regions

    def section(self, kind: type[S]) -> S:
        """The domain section `kind`: as given to `with_sections`, or read from
        the environment the first time it is asked for (`app.domains.settings`
        reads every declared one at start, so an invalid variable stops the start)."""
        found = self._sections.get(kind)
        if found is None:
            found = self._sections[kind] = kind()
        if not isinstance(found, kind):  # only `with_sections` stores, by each one's class
            raise TypeError(f"section {kind.__name__} holds a {type(found).__name__}")
        return found

    def with_sections(self, *sections: Section) -> Settings:
        """These settings with the given sections instead of the environment's
        (tests, and callers that configure a domain in code)."""
        copy = self.model_copy()
        copy._sections = {**self._sections, **{type(each): each for each in sections}}
        return copy

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return not self.is_production if self.graphiql is None else self.graphiql

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.data_dir / 'nodion.sqlite3').resolve()}"

    def region(self, slug: str) -> Region | None:
        return next((region for region in self.regions if region.slug == slug), None)

    def registry_hostname(self, region_slug: str) -> str:
        return f"registry.{region_slug}.{self.registry_domain}"

    def registry_api_url(self, region: Region) -> str:
        """Where this service reaches the region's registry API (no trailing /)."""
        return (region.api_url or f"https://{self.registry_hostname(region.slug)}").rstrip("/")


# Shown when a variable is not even parseable (pydantic-settings reads complex
# values as JSON before validating them).
EXAMPLES = {"regions": '[{"slug": "eu-central", "name": "EU Central"}]'}
_UNPARSEABLE_FIELD = re.compile(r'field "([a-z_]+)"')


def describe_invalid_settings(error: ValidationError | SettingsError) -> list[str]:
    """One line per invalid variable, naming it and what is allowed. Never the
    value itself: it may be a secret."""
    if isinstance(error, SettingsError):
        match = _UNPARSEABLE_FIELD.search(str(error))
        field = match.group(1) if match else ""
        example = EXAMPLES.get(field)
        return [
            f"{_variable(field)} is not valid JSON"
            + (f"; expected e.g. {example}" if example else "")
        ]
    lines = []
    for problem in error.errors():
        field, *inner = (str(part) for part in problem["loc"])
        where = f" ({'.'.join(inner)})" if inner else ""
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{_variable(field)}{where}: {message}")
    return lines


def _variable(field: str) -> str:
    return f"NODION_{field.upper()}" if field else "a NODION_* variable"
