"""`nodion apps …`: applications of a project, and their deployments."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from app.cli import config, operations
from app.cli.choices import metavar, parse_choice
from app.cli.client import Api, unwrap
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.output import (
    JsonOption,
    key,
    local_time,
    print_fields,
    print_json,
    print_table,
    registry_label,
)
from app.cli.resolve import application_id, project_id, project_list, registry_id

apps = Commands(help="Applications and their deployments.", no_args_is_help=True)


class Strategy(StrEnum):
    dockerfile = "dockerfile"
    buildpacks = "buildpacks"
    prebuilt_image = "prebuilt_image"


APP_COLUMNS = [
    ("NAME", key("name")),
    ("REGION", key("region")),
    ("STRATEGY", key("strategy")),
    ("IMAGE", key("imageReference")),
    ("ID", key("id")),
]
DEPLOYMENT_COLUMNS = [
    ("STATUS", key("status")),
    ("IMAGE", key("imageReference")),
    ("CREATED", local_time("createdAt")),
    ("FINISHED", local_time("finishedAt")),
    ("MESSAGE", key("message")),
    ("ID", key("id")),
]

ProjectOption = Annotated[str, typer.Option("--project", "-p", help="Project name or ID.")]
WithinProject = Annotated[
    str | None, typer.Option("--project", "-p", help="Look the app name up in this project only.")
]
AppArgument = Annotated[str, typer.Argument(help="App ID or name.")]


def _api() -> Api:
    return Api(config.current())


def _print_application(application: dict[str, Any]) -> None:
    print_fields(
        [
            ("App", application["name"]),
            ("Project", application["project"]["name"]),
            ("Region", application["region"]),
            ("Strategy", application["strategy"]),
            ("Registry", registry_label(application["registry"])),
            ("Image", application["imageReference"]),
            ("Deploy on push", "yes" if application["deployOnPush"] else "no"),
            ("ID", application["id"]),
        ]
    )


@apps.command("create")
def create_app(
    name: Annotated[str, typer.Argument(help="The app's name.")],
    project: ProjectOption,
    region: Annotated[str, typer.Option(help="Region slug, e.g. eu-central.")],
    strategy: Annotated[
        Strategy,
        typer.Option(
            help="How the image comes to be.",
            parser=parse_choice(Strategy),
            metavar=metavar(Strategy),
        ),
    ],
    container_registry: Annotated[
        str | None,
        typer.Option(
            help="Registry to pull a prebuilt image from (name or ID); "
            "default: the region's Nodion registry."
        ),
    ] = None,
    image: Annotated[str | None, typer.Option(help="Image name, e.g. nginx or shop/web.")] = None,
    tag: Annotated[str | None, typer.Option(help="Image tag, e.g. 1.27.")] = None,
    deploy_on_push: Annotated[
        bool,
        typer.Option(
            "--deploy-on-push",
            help="Deploy each new digest pushed to the app's image and tag in its Nodion registry.",
        ),
    ] = False,
    exist_ok: Annotated[
        bool,
        typer.Option(
            "--exist-ok",
            help="If the project has an app with this name, show it instead of failing "
            "(the other options are not applied to it).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create an app. A prebuilt image without --container-registry comes from the
    region's default Nodion registry; the output names the hostname picked."""
    api = _api()
    project_ref = project_id(api, project)
    if exist_ok:
        found = project_list(api, operations.PROJECT_APPLICATIONS, project_ref, "applications")
        existing = next((app for app in found if app["name"] == name), None)
        if existing is not None:
            if as_json:
                print_json(existing)
                return
            _print_application(existing)
            typer.echo(f"The project has the app {name} already; nothing was created.", err=True)
            return
    fields = {
        "projectId": project_ref,
        "name": name,
        "region": region,
        "strategy": strategy.value.upper(),
        "containerRegistryId": registry_id(api, container_registry, project_ref)
        if container_registry
        else None,
        "image": image,
        "tag": tag,
        "deployOnPush": deploy_on_push or None,
    }
    result = api.execute(
        operations.CREATE_APPLICATION,
        {"input": {field: value for field, value in fields.items() if value is not None}},
    )["createApplication"]
    application = unwrap(result, "CreateApplicationSuccess")["application"]
    if as_json:
        print_json(application)
        return
    _print_application(application)
    if container_registry is None and strategy is Strategy.prebuilt_image:
        typer.echo(
            f"No --container-registry given: using the Nodion registry of {region}, "
            f"{application['registry']['hostname']}."
        )


@apps.command("update")
def update_app(
    app: AppArgument,
    project: WithinProject = None,
    image: Annotated[str | None, typer.Option(help="Another image (prebuilt apps).")] = None,
    tag: Annotated[str | None, typer.Option(help="Another tag.")] = None,
    deploy_on_push: Annotated[
        bool | None,
        typer.Option(
            "--deploy-on-push/--no-deploy-on-push",
            help="Deploy (or stop deploying) each new digest pushed to its image and tag.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change an app's image, tag or deploy on push; what is not given stays."""
    api = _api()
    fields = {
        "applicationId": application_id(api, app, project),
        "image": image,
        "tag": tag,
        "deployOnPush": deploy_on_push,
    }
    result = api.execute(
        operations.UPDATE_APPLICATION,
        {"input": {field: value for field, value in fields.items() if value is not None}},
    )["updateApplication"]
    application = unwrap(result, "UpdateApplicationSuccess")["application"]
    if as_json:
        print_json(application)
    else:
        _print_application(application)


@apps.command("list")
def list_apps(project: ProjectOption, as_json: JsonOption = False) -> None:
    """The project's apps, newest first."""
    found = project_list(_api(), operations.PROJECT_APPLICATIONS, project, "applications")
    if as_json:
        print_json(found)
    else:
        print_table(found, APP_COLUMNS, "No apps yet.")


@apps.command("deploy")
def deploy_app(
    app: AppArgument,
    tag: Annotated[str | None, typer.Option(help="Deploy this tag instead of the app's.")] = None,
    project: WithinProject = None,
    as_json: JsonOption = False,
) -> None:
    """Start a deployment of the app's image (or of --tag)."""
    api = _api()
    variables = {"id": application_id(api, app, project), "tag": tag}
    result = api.execute(operations.DEPLOY_APPLICATION, variables)["deployApplication"]
    deployment = unwrap(result, "DeployApplicationSuccess")["deployment"]
    if as_json:
        print_json(deployment)
        return
    print_fields(
        [
            ("Deployment", deployment["id"]),
            ("App", deployment["application"]["name"]),
            ("Status", deployment["status"]),
            ("Image", deployment["imageReference"]),
        ]
    )


@apps.command("deployments")
def list_deployments(
    app: AppArgument,
    project: WithinProject = None,
    first: Annotated[int, typer.Option(help="How many, newest first (at most 100).")] = 20,
    as_json: JsonOption = False,
) -> None:
    """The app's deployments, newest first."""
    api = _api()
    variables = {"id": application_id(api, app, project), "first": first}
    found = api.execute(operations.APPLICATION_DEPLOYMENTS, variables)["node"]
    if not found:
        raise CliError(f"no app {app!r} is visible to you", ExitCode.NOT_FOUND)
    rows = [edge["node"] for edge in found["deployments"]["edges"]]
    if as_json:
        print_json(rows)
    else:
        print_table(rows, DEPLOYMENT_COLUMNS, "No deployments yet.")
