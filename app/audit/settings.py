"""The audit's settings section (`NODION_*` variables, docs/operating.md)."""

from __future__ import annotations

from pydantic import Field

from app.settings import Section


class AuditSettings(Section):
    # Audit events older than this many days are deleted (app/audit/retention.py),
    # hourly by `nodion serve` and by `nodion admin prune-audit`; unset keeps all.
    audit_retention_days: int | None = Field(default=None, ge=1)
