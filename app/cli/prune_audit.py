"""`nodion admin prune-audit`: delete the audit events older than
NODION_AUDIT_RETENTION_DAYS now (`nodion serve` also does so hourly)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.errors import CliError, ExitCode
from app.cli.local import run_with_database

if TYPE_CHECKING:
    from app.audit.retention import Pruned
    from app.security.keys import ServiceKeys
    from app.settings import Settings


def prune_audit_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be deleted.")
    ] = False,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Keep this many days instead of NODION_AUDIT_RETENTION_DAYS."),
    ] = None,
) -> None:
    """Delete audit events older than the retention, in small batches (no long lock)."""
    from app.audit.retention import prune_audit_events
    from app.audit.settings import AuditSettings

    async def work(settings: Settings, keys: ServiceKeys) -> tuple[int, Pruned]:
        retention = days or AuditSettings.of(settings).audit_retention_days
        if retention is None:
            raise CliError(
                "No retention is set: audit events are kept forever. Set "
                "NODION_AUDIT_RETENTION_DAYS (or pass --days) to prune.",
                ExitCode.USAGE,
            )
        return retention, await prune_audit_events(retention, dry_run=dry_run)

    retention, pruned = run_with_database(work)
    verb = "Would delete" if dry_run else "Deleted"
    typer.echo(
        f"{verb} {pruned.events} audit events older than {retention} days "
        f"(before {pruned.cutoff.isoformat(timespec='seconds')})."
    )
