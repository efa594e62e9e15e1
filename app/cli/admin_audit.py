"""`nodion admin audit --project-namespace NS`: a project's audit trail read
from the database, also after the project was deleted (its events keep its
namespace; see app/projects/lifecycle.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.local import run_with_database
from app.cli.output import JsonOption, key, print_json, print_table

if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.settings import Settings

AUDIT_COLUMNS = [
    ("TIME", key("createdAt")),
    ("ACTION", key("action")),
    ("ACTOR", key("actorEmail")),
    ("TARGET", lambda row: f"{row['targetType']} {row['targetName']}"),
    ("DETAIL", key("detail")),
    ("PROJECT", lambda row: "deleted" if row["projectDeleted"] else "live"),
]


def audit_command(
    project_namespace: Annotated[
        str, typer.Option("--project-namespace", help="The project's namespace, e.g. my-shop.")
    ],
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """A project's audit events, newest first; deleted projects' too."""
    from app.projects.lifecycle import audit_trail

    async def work(settings: Settings, keys: ServiceKeys) -> list[dict[str, Any]]:
        events = await audit_trail(project_namespace.strip().lower(), limit=limit)
        return [
            {
                "createdAt": event.created_at.isoformat(timespec="seconds"),
                "action": event.action,
                "actorEmail": event.actor_email,
                "targetType": event.target_type,
                "targetId": event.target_id,
                "targetName": event.target_name,
                "detail": event.detail,
                "projectDeleted": event.project_id is None,
            }
            for event in events
        ]

    rows = run_with_database(work)
    if as_json:
        print_json(rows)
    else:
        print_table(rows, AUDIT_COLUMNS, f"No audit events for namespace {project_namespace!r}.")
