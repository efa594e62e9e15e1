"""`nodion projects …`"""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli import config, operations
from app.cli.client import Api, unwrap
from app.cli.hints import program
from app.cli.output import JsonOption, key, print_fields, print_json, print_table
from app.cli.registries import REGISTRY_COLUMNS
from app.cli.resolve import all_projects

projects = typer.Typer(help="Your projects.", no_args_is_help=True)

PROJECT_COLUMNS = [
    ("NAME", key("name")),
    ("NAMESPACE", key("namespace")),
    ("ROLE", key("viewerRole")),
    ("CREATED", key("createdAt")),
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
    as_json: JsonOption = False,
) -> None:
    """Create a project; it gets a Nodion registry in every region at once."""
    api = Api(config.current())
    result = api.execute(operations.CREATE_PROJECT, {"name": name})["createProject"]
    project = unwrap(result, "CreateProjectSuccess")["project"]
    if as_json:
        print_json(project)
        return
    print_fields(
        [("Project", project["name"]), ("Namespace", project["namespace"]), ("ID", project["id"])]
    )
    typer.echo("")
    print_table(project["registries"], REGISTRY_COLUMNS, "No registries.")
