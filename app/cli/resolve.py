"""Naming things on the command line: by ID, or by name.

A project is named by its ID, namespace or name; a registry by its ID, name or
hostname, within `--project` when given and else across your projects; an app
by its ID or name likewise. A name that fits several objects is an error that
lists them with their IDs, never a guess."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any

from app.cli import operations
from app.cli.client import Api
from app.cli.errors import CliError, ExitCode

Row = dict[str, Any]
PLURALS = {"registry": "registries"}


def is_global_id(value: str, type_name: str) -> bool:
    """A Relay global ID (base64 of `Type:id`) of `type_name`."""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return decoded.startswith(f"{type_name}:")


def all_projects(api: Api, operation: str = operations.PROJECTS) -> Iterator[Row]:
    after = None
    while True:
        page = api.execute(operation, {"after": after})["projects"]
        for edge in page["edges"]:
            yield edge["node"]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def project_id(api: Api, value: str) -> str:
    if is_global_id(value, "Project"):
        return value
    projects = list(all_projects(api))
    by_namespace = [project for project in projects if project["namespace"] == value]
    matches = by_namespace or _named(projects, value, lambda project: [project["name"]])
    found: str = _one(matches, "project", value, lambda project: project["namespace"])["id"]
    return found


def registry_id(api: Api, value: str, project: str | None) -> str:
    if is_global_id(value, "Registry"):
        return value
    candidates = _children(api, operations.PROJECTS_WITH_REGISTRIES, "registries", project)
    matches = _named(candidates, value, lambda registry: [registry["name"], registry["hostname"]])
    found: str = _one(matches, "registry", value, _in_project)["id"]
    return found


def application_id(api: Api, value: str, project: str | None) -> str:
    if is_global_id(value, "Application"):
        return value
    candidates = _children(api, operations.PROJECTS_WITH_APPLICATIONS, "applications", project)
    matches = _named(candidates, value, lambda app: [app["name"]])
    found: str = _one(matches, "app", value, _in_project)["id"]
    return found


def _children(api: Api, operation: str, field: str, project: str | None) -> list[Row]:
    """Registries or applications of one project (`project` given) or of all of
    them, each with its project's name for the candidates list."""
    wanted = project_id(api, project) if project else None
    return [
        {**child, "projectName": parent["name"]}
        for parent in all_projects(api, operation)
        if wanted is None or parent["id"] == wanted
        for child in parent[field]
    ]


def _named(rows: list[Row], value: str, names: Callable[[Row], list[str]]) -> list[Row]:
    """Exact matches, else case-insensitive ones."""
    exact = [row for row in rows if value in names(row)]
    if exact:
        return exact
    folded = value.casefold()
    return [row for row in rows if folded in (name.casefold() for name in names(row))]


def _in_project(row: Row) -> str:
    return f"project {row['projectName']}"


def _one(matches: list[Row], kind: str, value: str, detail: Callable[[Row], str]) -> Row:
    if not matches:
        raise CliError(f"no {kind} named {value!r} (give its name or ID)", ExitCode.NOT_FOUND)
    if len(matches) > 1:
        candidates = "; ".join(f"{row['name']} ({detail(row)}): {row['id']}" for row in matches)
        raise CliError(
            f"{len(matches)} {PLURALS.get(kind, kind + 's')} match {value!r}; name one by its "
            f"ID: {candidates}",
            ExitCode.USAGE,
        )
    return matches[0]


def project_list(api: Api, operation: str, project: str, field: str) -> list[dict[str, Any]]:
    """A list field of one project (`registries`, `applications`), by name or ID."""
    found = api.execute(operation, {"id": project_id(api, project)})["project"]
    if found is None:
        raise CliError(f"no project {project!r} is visible to you", ExitCode.NOT_FOUND)
    rows: list[dict[str, Any]] = found[field]
    return rows
