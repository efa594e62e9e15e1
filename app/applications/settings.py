"""The applications' settings section (`NODION_*` variables, docs/operating.md)."""

from __future__ import annotations

from pydantic import Field

from app.settings import Section


class ApplicationsSettings(Section):
    # How long the registry credential a deploy target gets with a claimed
    # deployment works (it also ends when the deployment reports its status).
    deploy_credential_ttl: int = Field(default=900, ge=60, le=86_400, description="seconds")
    # How long a claim holds its deployment without a heartbeat from the target;
    # past it the deployment is claimable again (app/applications/leases.py).
    deploy_lease: int = Field(default=300, ge=5, le=86_400, description="seconds")
