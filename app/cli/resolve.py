"""Naming things on the command line: one rule for every kind of reference.

A reference (a project, registry, application, access token or trusted
publisher) is resolved:

1. by ID: a global ID of the kind asked for is that object (the API still
   decides whether you may see it);
2. else by its exact name, and by its other unique handle (a project's
   namespace, a registry's hostname), all at once: when what the reference
   fits by name and by handle is one object, that is it; when nothing fits
   exactly, the same comparison folded for case;
3. a reference that fits two different objects is refused, never guessed: one
   line names each candidate, how the reference fitted it, and its ID, which
   names it alone (`ExitCode.AMBIGUOUS`). A namespace does not always: one
   project's namespace may be another's name, which is how `projects delete`
   once deleted the wrong project.

A registry or application is looked for within `--project` when given, else
across your projects; a token or publisher within its registry."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.cli import operations
from app.cli.client import Api
from app.cli.errors import CliError, ExitCode

Row = dict[str, Any]
PLURALS = {"registry": "registries"}


@dataclass(frozen=True)
class Kind:
    """One kind of object and how a reference may name it."""

    noun: str  # as the messages say it
    type_name: str  # its GraphQL type: what its global IDs decode to
    handles: tuple[str, ...]  # fields a reference may match exactly, by precedence
    where: Callable[[Row], str] | None = None  # which parent it is in, for candidates


def _in_project(row: Row) -> str:
    return f"project {row['projectName']}"


PROJECT = Kind("project", "Project", ("name", "namespace"))
REGISTRY = Kind("registry", "Registry", ("name", "hostname"), _in_project)
APPLICATION = Kind("app", "Application", ("name",), _in_project)
TOKEN = Kind("token", "RegistryToken", ("name",))
PUBLISHER = Kind("trusted publisher", "TrustedPublisher", ())  # by ID only: no name


def is_global_id(value: str, type_name: str) -> bool:
    """A Relay global ID (base64 of `Type:id`) of `type_name`."""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return decoded.startswith(f"{type_name}:")


def resolve(value: str, kind: Kind, candidates: Iterable[Row]) -> Row:
    """The one row of `candidates` that `value` names by name or handle (see the
    module's rule); an ID is not looked for here (`resolve_id` takes it as is)."""
    rows = list(candidates)
    exact = _fitting(rows, value, kind, lambda text: text)
    folded = value.casefold()
    matches = exact or _fitting(rows, folded, kind, str.casefold)
    if not matches:
        how = " or ".join(("its ID", *kind.handles)) if kind.handles else "its ID"
        raise CliError(f"no {kind.noun} named {value!r} (give {how})", ExitCode.NOT_FOUND)
    if len(matches) > 1:
        raise CliError(_ambiguity(value, kind, matches), ExitCode.AMBIGUOUS)
    row, _ = matches[0]
    return row


def resolve_id(value: str, kind: Kind, candidates: Callable[[], Iterable[Row]]) -> str:
    """`value` if it is an ID of `kind`, else the ID of the one row it names;
    `candidates` is only read when a name has to be looked up."""
    if is_global_id(value, kind.type_name):
        return value
    found: str = resolve(value, kind, candidates())["id"]
    return found


def child_id(value: str, kind: Kind, rows: list[Row], parent: str) -> str:
    """A reference to one of `rows` (the children of `parent`, e.g. a
    registry's trusted publishers): an ID among them, else by name; an ID of
    another parent's child is not one of them."""
    if is_global_id(value, kind.type_name):
        if any(row["id"] == value for row in rows):
            return value
        raise CliError(f"{parent} has no {kind.noun} with ID {value}", ExitCode.NOT_FOUND)
    found: str = resolve(value, kind, rows)["id"]
    return found


def _fitting(
    rows: list[Row], value: str, kind: Kind, fold: Callable[[str], str]
) -> list[tuple[Row, list[str]]]:
    """Each row that `value` fits, once, with the handles it fitted by."""
    fitting = []
    for row in rows:
        how = [handle for handle in kind.handles if row.get(handle) and fold(row[handle]) == value]
        if how:
            fitting.append((row, how))
    return fitting


def _ambiguity(value: str, kind: Kind, matches: list[tuple[Row, list[str]]]) -> str:
    described = []
    for row, how in matches:
        fitted = " and ".join(f"{handle} {row[handle]}" for handle in how)
        where = f", {kind.where(row)}" if kind.where else ""
        described.append(f"{row.get('name') or kind.noun} ({fitted}{where}): ID {row['id']}")
    plural = PLURALS.get(kind.noun, kind.noun + "s")
    return (
        f"{value!r} fits {len(matches)} {plural}: {'; '.join(described)}. "
        f"Name the one you mean by its ID."
    )


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
    return resolve_id(value, PROJECT, lambda: all_projects(api))


def find_project(api: Api, value: str) -> Row:
    """The project row itself (name, namespace, ID), by ID or by name: for a
    command that must say which project it acts on before it does."""
    projects = list(all_projects(api))
    if is_global_id(value, PROJECT.type_name):
        for project in projects:
            if project["id"] == value:
                _refuse_an_id_that_is_also_a_name(value, project, projects)
                return project
        raise CliError(f"no project with ID {value} is visible to you", ExitCode.NOT_FOUND)
    return resolve(value, PROJECT, projects)


def _refuse_an_id_that_is_also_a_name(value: str, by_id: Row, projects: list[Row]) -> None:
    """A project's name may be any text, another project's ID included (IDs
    are sequential, so a member of a shared project can name it after one of
    yours): `value` then fits two projects, and is refused like any such
    reference rather than the ID taken (this is what `projects delete` acts on)."""
    named = [row for row in projects if row["id"] != value and row.get("name") == value]
    if not named:
        return
    others = "; ".join(f"project {row['name']!r} is named so: ID {row['id']}" for row in named)
    raise CliError(
        f"{value!r} fits {len(named) + 1} projects: it is the ID of {by_id['name']} "
        f"(namespace {by_id['namespace']}), and {others}. Name {by_id['name']} by its "
        "namespace, the other by its ID.",
        ExitCode.AMBIGUOUS,
    )


def registry_id(api: Api, value: str, project: str | None) -> str:
    return resolve_id(
        value,
        REGISTRY,
        lambda: _children(api, operations.PROJECTS_WITH_REGISTRIES, "registries", project),
    )


def application_id(api: Api, value: str, project: str | None) -> str:
    return resolve_id(
        value,
        APPLICATION,
        lambda: _children(api, operations.PROJECTS_WITH_APPLICATIONS, "applications", project),
    )


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


def project_list(api: Api, operation: str, project: str, field: str) -> list[dict[str, Any]]:
    """A list field of one project (`registries`, `applications`), by name or ID."""
    found = api.execute(operation, {"id": project_id(api, project)})["project"]
    if found is None:
        raise CliError(f"no project {project!r} is visible to you", ExitCode.NOT_FOUND)
    rows: list[dict[str, Any]] = found[field]
    return rows
