"""`nodion admin sync-images` and `nodion admin apply-retention`: the images
index of the managed registries, reconciled and pruned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.errors import CliError, ExitCode
from app.cli.local import run_with_database

if TYPE_CHECKING:
    from app.registries.images.retention import Outcome
    from app.registries.images.sync import SyncReport
    from app.security.keys import ServiceKeys
    from app.settings import Settings


def sync_images_command(
    region: Annotated[str, typer.Option(help="Region slug, e.g. eu-central.")],
) -> None:
    """Bring the region's images index in line with its registry (catalog and tags
    through the Registry v2 API), e.g. after notifications were lost."""
    from app.registries.images.registry_api import RegistryApiError
    from app.registries.images.sync import sync_region

    async def work(settings: Settings, keys: ServiceKeys) -> SyncReport:
        if settings.region(region) is None:
            known = ", ".join(r.slug for r in settings.regions)
            raise CliError(f"unknown region {region!r}; configured: {known}", ExitCode.USAGE)
        try:
            return await sync_region(settings, keys, region)
        except RegistryApiError as error:
            raise CliError(str(error), ExitCode.UNREACHABLE) from None

    report = run_with_database(work)
    for verb, tags in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        for tag in tags:
            typer.echo(f"{verb} {tag}")
    typer.echo(
        f"Synced {report.repositories} repositories of {region}: {len(report.added)} tags "
        f"added, {len(report.changed)} changed, {len(report.removed)} removed"
        + (
            f"; {report.outside_namespaces} outside any project namespace skipped."
            if report.outside_namespaces
            else "."
        )
    )


def apply_retention_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print what would be deleted.")
    ] = False,
) -> None:
    """Delete the tags past the registries' retention policies (never one in use)."""
    from app import domains
    from app.registries.images.retention import apply_retention

    async def work(settings: Settings, keys: ServiceKeys) -> list[Outcome]:
        return await apply_retention(settings, keys, domains.hooks(), dry_run=dry_run)

    outcomes = run_with_database(work)
    verb = "would delete" if dry_run else "deleted"
    for outcome in outcomes:
        tags = ",".join(outcome.tags)
        where = f"{outcome.region} {outcome.repository}:{tags} ({outcome.digest})"
        typer.echo(f"{verb} {where}" if outcome.deleted else f"kept {where}: {outcome.reason}")
    deleted = sum(1 for outcome in outcomes if outcome.deleted)
    typer.echo(
        f"{'Would delete' if dry_run else 'Deleted'} {deleted} manifests; the registry frees "
        "their blobs with `registry garbage-collect`."
    )
