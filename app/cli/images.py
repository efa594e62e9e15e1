"""`nodion images …`: what the project's Nodion registries hold."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from app.cli import config, operations
from app.cli.client import Api, unwrap
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.output import JsonOption, key, local_time, print_json, print_table
from app.cli.resolve import project_id, project_list

images = Commands(
    help="Repositories and tags in the project's Nodion registries.", no_args_is_help=True
)

ProjectOption = Annotated[str, typer.Option("--project", "-p", help="Project name or ID.")]
RegistryOption = Annotated[
    str | None,
    typer.Option("--registry", help="A Nodion registry (name, hostname or ID): its region only."),
]


def _size(row: dict[str, Any]) -> str:
    size = row.get("sizeBytes")
    if size is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return str(size)


TAG_COLUMNS = [
    ("REPOSITORY", key("repository")),
    ("TAG", key("name")),
    ("DIGEST", lambda row: row["digest"][:19]),
    ("SIZE", _size),
    ("PUSHED", local_time("pushedAt")),
    ("BY", key("pushedBy")),
    ("REGION", key("region")),
]


def _region_of(api: Api, project: str, registry: str) -> str:
    registries = project_list(api, operations.PROJECT_REGISTRIES, project, "registries")
    matches = [
        row
        for row in registries
        if registry in (row["id"], row["name"], row["hostname"]) and row["type"] == "NODION"
    ]
    if not matches:
        raise CliError(f"no Nodion registry {registry!r} in this project", ExitCode.NOT_FOUND)
    region: str = matches[0]["region"]
    return region


def _registry_for(api: Api, project: str, registry: str | None, region: str) -> str:
    registries = project_list(api, operations.PROJECT_REGISTRIES, project, "registries")
    for row in registries:
        if row["type"] != "NODION" or row["region"] != region:
            continue
        if (registry is None and row["isDefault"]) or registry in (
            row["id"],
            row["name"],
            row["hostname"],
        ):
            found: str = row["id"]
            return found
    raise CliError(f"no Nodion registry of {region} in this project", ExitCode.NOT_FOUND)


def _repositories(api: Api, project: str, region: str | None) -> list[dict[str, Any]]:
    found = api.execute(
        operations.PROJECT_IMAGES, {"id": project_id(api, project), "region": region}
    )
    if found["project"] is None:
        raise CliError(f"no project {project!r} is visible to you", ExitCode.NOT_FOUND)
    return [edge["node"] for edge in found["project"]["repositories"]["edges"]]


@images.command("list")
def list_images(
    project: ProjectOption,
    registry: RegistryOption = None,
    repository: Annotated[
        str | None, typer.Option(help="One repository, e.g. shop/web (or web).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Tags of the project's repositories, most recently pushed first."""
    api = _api()
    region = _region_of(api, project, registry) if registry else None
    repositories = _repositories(api, project, region)
    if repository:
        repositories = [
            row
            for row in repositories
            if repository in (row["name"], row["name"].split("/", 1)[-1])
        ]
    if as_json:
        print_json(repositories)
        return
    rows = [
        {**tag["node"], "repository": row["name"], "region": row["region"]}
        for row in repositories
        for tag in row["tags"]["edges"]
    ]
    print_table(rows, TAG_COLUMNS, "No images yet: push to the project's Nodion registry.")


@images.command("delete")
def delete_image(
    reference: Annotated[str, typer.Argument(help="REPOSITORY:TAG, e.g. shop/web:1.4.")],
    project: ProjectOption,
    region: Annotated[str, typer.Option(help="Region of the registry, e.g. eu-central.")],
    registry: RegistryOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Delete although an app or a recent deployment uses it, or other tags name "
            "the same manifest (they go with it).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a tag's manifest from a Nodion registry (ADMIN)."""
    repository, colon, tag = reference.rpartition(":")
    if not colon or not repository or "/" in tag:
        raise CliError("give the image as REPOSITORY:TAG, e.g. shop/web:1.4", ExitCode.USAGE)
    api = _api()
    variables = {
        "input": {
            "registryId": _registry_for(api, project, registry, region),
            "repository": repository,
            "tag": tag,
            "force": force,
        }
    }
    result = api.execute(operations.DELETE_IMAGE_TAG, variables)["deleteImageTag"]
    deleted = unwrap(result, "DeleteImageTagSuccess")
    if as_json:
        print_json(deleted)
        return
    also = deleted["alsoRemovedTags"]
    typer.echo(
        f"Deleted {deleted['repository']}:{deleted['tag']} ({deleted['digest']})"
        + (f", and with it {', '.join(also)}" if also else "")
        + ". The registry frees its blobs with `registry garbage-collect`."
    )


def _api() -> Api:
    return Api(config.current())
