"""`nodion projects …`"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

import typer

from app.cli import config, operations
from app.cli.client import Api, unwrap
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.hints import program
from app.cli.output import (
    JsonOption,
    key,
    local_time,
    print_fields,
    print_json,
    print_table,
)
from app.cli.registries import REGISTRY_COLUMNS
from app.cli.resolve import all_projects, find_project, project_id
from app.cli.wording import in_cli_words

projects = Commands(help="Your projects.", no_args_is_help=True)

PROJECT_COLUMNS = [
    ("NAME", key("name")),
    ("NAMESPACE", key("namespace")),
    ("ROLE", key("viewerRole")),
    ("CREATED", local_time("createdAt")),
    ("ID", key("id")),
]


@projects.command("list")
def list_projects(as_json: JsonOption = False) -> None:
    """The projects you are a member of, newest first."""
    rows = list(all_projects(Api(config.current())))
    if as_json:
        print_json(rows)
    else:
        empty = f"No projects yet: create one with `{program()} projects create NAME`."
        print_table(rows, PROJECT_COLUMNS, empty)


@projects.command("create")
def create_project(
    name: Annotated[str, typer.Argument(help="The project's name.")],
    namespace: Annotated[
        str | None,
        typer.Option(
            help="The project's namespace in every registry (e.g. shop for shop/web); "
            "derived from the name when left out."
        ),
    ] = None,
    exist_ok: Annotated[
        bool,
        typer.Option(
            "--exist-ok",
            help="If you already have a project with this name, show it instead of failing "
            "(for scripts that may run twice).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a project; it gets a Nodion registry in every region at once."""
    api = Api(config.current())
    existing = _same_name(api, name) if exist_ok else None
    if existing is not None:
        project = api.execute(operations.PROJECT_REGISTRIES, {"id": existing["id"]})["project"]
        notice = f"You already have the project {project['name']}; nothing was created."
    else:
        variables = {"name": name, "namespace": namespace}
        result = api.execute(operations.CREATE_PROJECT, variables)["createProject"]
        created = unwrap(result, "CreateProjectSuccess", arguments={"name": "NAME"})
        project, notice = created["project"], created["notice"]
    if as_json:
        print_json(project)
        return
    print_fields(
        [("Project", project["name"]), ("Namespace", project["namespace"]), ("ID", project["id"])]
    )
    if notice:
        typer.echo(f"Note: {in_cli_words(notice)}", err=True)
    typer.echo("")
    print_table(project["registries"], REGISTRY_COLUMNS, "No registries.")


def _same_name(api: Api, name: str) -> dict[str, Any] | None:
    """Your project whose name is `name` as the API compares names (Unicode
    compatibility forms and case folded), if there is one."""
    wanted = unicodedata.normalize("NFKC", name.strip()).casefold()
    for project in all_projects(api):
        if unicodedata.normalize("NFKC", project["name"]).casefold() == wanted:
            return project
    return None


ProjectArgument = Annotated[str, typer.Argument(help="The project's ID, namespace or name.")]


@projects.command("rename")
def rename_project(
    project: ProjectArgument,
    name: Annotated[str, typer.Argument(help="The new name.")],
    as_json: JsonOption = False,
) -> None:
    """Give a project a new name (ADMIN); its namespace, and so every image path, stays."""
    api = Api(config.current())
    variables = {"id": project_id(api, project), "name": name}
    result = api.execute(operations.RENAME_PROJECT, variables)["renameProject"]
    renamed = unwrap(result, "RenameProjectSuccess")["project"]
    if as_json:
        print_json(renamed)
    else:
        typer.echo(f"Renamed project {renamed['namespace']} to {renamed['name']!r}.")


@projects.command("delete")
def delete_project(
    project: ProjectArgument,
    force: Annotated[
        bool, typer.Option("--force", help="Also remove its applications and deployments.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a project (ADMIN) with its registries and, with --force, its apps.
    Every token of the project stops working at once; its namespace is held back
    for 30 days."""
    api = Api(config.current())
    # The project itself, so the question and the answer name what is deleted.
    found = find_project(api, project)
    named = f"{found['name']} (namespace {found['namespace']})"
    if not yes and not typer.confirm(
        f"Delete project {named} and everything in it? This cannot be undone.",
        default=False,
    ):
        raise CliError("nothing was deleted", ExitCode.ERROR)
    result = api.execute(operations.DELETE_PROJECT, {"id": found["id"], "force": force})
    deleted = unwrap(result["deleteProject"], "DeleteProjectSuccess")
    if as_json:
        print_json(deleted)
    else:
        typer.echo(f"Deleted project {named}, ID {deleted['deletedProjectId']}.")
