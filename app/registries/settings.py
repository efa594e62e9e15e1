"""The registries' settings section (`NODION_*` variables, docs/operating.md)."""

from __future__ import annotations

from pydantic import Field

from app.settings import Section


class RegistriesSettings(Section):
    # Docker token authentication of the managed registries.
    token_issuer: str = "nodion"  # noqa: S105 - the JWT `iss`, not a secret
    registry_token_ttl: int = Field(default=300, ge=60, description="seconds")
    # The shortest `expiresIn` a registry access token may be created with. Lower
    # it only in tests, to watch a token stop at its expiry within seconds.
    registry_token_min_expires_in: int = Field(default=300, ge=1, le=300, description="seconds")
    # Trusted publishers (app/registries/oidc/): how long the push credential
    # the OIDC exchange mints works (never past the CI token's `exp` + 15 min),
    # and the issuer of GitHub Actions' tokens (GitHub Enterprise Server has its own).
    oidc_credential_ttl: int = Field(default=900, ge=60, le=3600, description="seconds")
    github_oidc_issuer: str = "https://token.actions.githubusercontent.com"
    # How often `nodion serve` applies the registries' retention policies
    # (app/registries/images/retention.py); 0 leaves it to `nodion admin apply-retention`.
    image_retention_interval: int = Field(default=3600, ge=0, description="seconds")
