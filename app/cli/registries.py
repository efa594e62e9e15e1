"""`nodion registries …`: a project's managed and third-party registries."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli import config, operations
from app.cli.choices import metavar, parse_choice
from app.cli.client import Api, unwrap
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.output import JsonOption, key, print_fields, print_json, print_table
from app.cli.publishers import publishers
from app.cli.registry_tokens import tokens
from app.cli.resolve import project_id, project_list, registry_id
from app.cli.secret_input import TokenFileOption, TokenStdinOption, read_secret
from app.cli.wording import in_cli_words

registries = Commands(help="Container registries of a project.", no_args_is_help=True)


class RegistryType(StrEnum):
    nodion = "nodion"
    docker_hub = "docker-hub"
    ghcr = "ghcr"
    custom = "custom"

    @property
    def api_value(self) -> str:
        return self.value.replace("-", "_").upper()


REGISTRY_COLUMNS = [
    ("NAME", key("name")),
    ("TYPE", key("type")),
    ("REGION", key("region")),
    ("HOSTNAME", key("hostname")),
    ("DEFAULT", key("isDefault")),
    ("CREDENTIALS", lambda row: row.get("hasCredentials")),
    ("ID", key("id")),
]

ProjectOption = Annotated[str, typer.Option("--project", "-p", help="Project name or ID.")]
WithinProject = Annotated[
    str | None,
    typer.Option("--project", "-p", help="Look the registry name up in this project only."),
]
RegistryArgument = Annotated[str, typer.Argument(help="Registry ID, name or hostname.")]
NoVerify = Annotated[
    bool, typer.Option("--no-verify", help="Save without checking the registry first.")
]


def _api() -> Api:
    return Api(config.current())


def _print_registry(registry: dict[str, Any]) -> None:
    print_fields(
        [
            ("Registry", registry["name"]),
            ("Type", registry["type"]),
            ("Hostname", registry["hostname"]),
            ("Username", registry["username"]),
            ("Credentials", registry["hasCredentials"]),
            ("Verification", registry["verificationStatus"]),
            ("ID", registry["id"]),
        ]
    )


@registries.command("list")
def list_registries(project: ProjectOption, as_json: JsonOption = False) -> None:
    """The project's registries: one default Nodion registry per region, and those you added."""
    found = project_list(_api(), operations.PROJECT_REGISTRIES, project, "registries")
    if as_json:
        print_json(found)
    else:
        print_table(found, REGISTRY_COLUMNS, "No registries.")


@registries.command("add")
def add_registry(
    project: ProjectOption,
    type: Annotated[
        RegistryType,
        typer.Option(
            "--type",
            help="The kind of registry.",
            parser=parse_choice(RegistryType),
            metavar=metavar(RegistryType),
        ),
    ],
    hostname: Annotated[
        str | None, typer.Option(help="host[:port]; required for custom, auto-filled otherwise.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Region slug (nodion only).")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    username: Annotated[str | None, typer.Option(help="Username for pulls.")] = None,
    token_stdin: TokenStdinOption = False,
    token_file: TokenFileOption = None,
    ca_file: Annotated[
        Path | None, typer.Option("--ca-file", help="PEM of a private CA (custom only).")
    ] = None,
    no_verify: NoVerify = False,
    as_json: JsonOption = False,
) -> None:
    """Connect Docker Hub, GHCR or a custom registry, or add a fresh Nodion registry.

    Without --username and a token, public images are pulled anonymously."""
    token = read_secret(stdin=token_stdin, file=token_file, prompt=None)
    try:
        ca_certificate = ca_file.read_text() if ca_file else None
    except OSError as error:
        raise CliError(f"cannot read {ca_file}: {error.strerror}", ExitCode.USAGE) from None
    api = _api()
    fields = {
        "projectId": project_id(api, project),
        "type": type.api_value,
        "hostname": hostname,
        "region": region,
        "name": name,
        "username": username,
        "token": token,
        "caCertificate": ca_certificate,
        "verify": not no_verify,
    }
    result = api.execute(
        operations.ADD_REGISTRY,
        {"input": {field: value for field, value in fields.items() if value is not None}},
    )["addRegistry"]
    registry = unwrap(result, "AddRegistrySuccess")["registry"]
    if as_json:
        print_json(registry)
    else:
        _print_registry(registry)


@registries.command("generate-credentials")
def generate_credentials(
    registry: RegistryArgument,
    project: WithinProject = None,
    exist_ok: Annotated[
        bool,
        typer.Option(
            "--exist-ok",
            help="If the credentials were generated before, say so and exit 0 instead of "
            "failing (the token is still not shown again).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create the push/pull token of a Nodion registry. It is shown this once."""
    api = _api()
    result = api.execute(
        operations.GENERATE_CREDENTIALS, {"id": registry_id(api, registry, project)}
    )["generateCredentials"]
    if exist_ok and result.get("__typename") == "CredentialsAlreadyGeneratedError":
        typer.echo(f"Nothing to do: {in_cli_words(result['message'])}", err=True)
        return
    credentials = unwrap(result, "GenerateCredentialsSuccess")["credentials"]
    if as_json:
        print_json(credentials)
        return
    print_fields(
        [
            ("Hostname", credentials["hostname"]),
            ("Username", credentials["username"]),
            ("Token", credentials["token"]),
        ]
    )
    typer.echo("The token is shown this once; Nodion cannot show it again. Log in with:")
    typer.echo(f"  {credentials['dockerLogin']}")


@registries.command("update-credentials")
def update_credentials(
    registry: RegistryArgument,
    username: Annotated[
        str | None, typer.Option(help="New username; leave out with the token to pull anonymously.")
    ] = None,
    token_stdin: TokenStdinOption = False,
    token_file: TokenFileOption = None,
    project: WithinProject = None,
    no_verify: NoVerify = False,
    as_json: JsonOption = False,
) -> None:
    """Replace the credentials of a third-party registry (the old ones are gone)."""
    token = read_secret(stdin=token_stdin, file=token_file, prompt=None)
    api = _api()
    variables = {
        "input": {
            "registryId": registry_id(api, registry, project),
            "username": username,
            "token": token,
            "verify": not no_verify,
        }
    }
    result = api.execute(operations.UPDATE_CREDENTIALS, variables)["updateCredentials"]
    updated = unwrap(result, "UpdateCredentialsSuccess")["registry"]
    if as_json:
        print_json(updated)
    else:
        _print_registry(updated)


@registries.command("verify")
def verify_registry(
    registry: RegistryArgument, project: WithinProject = None, as_json: JsonOption = False
) -> None:
    """Check a third-party registry with its stored credentials (exit 5 unless OK)."""
    api = _api()
    result = api.execute(operations.VERIFY_REGISTRY, {"id": registry_id(api, registry, project)})[
        "verifyRegistry"
    ]
    verification = unwrap(result, "RegistryVerification")
    if as_json:
        print_json(verification)
    else:
        print_fields([("Status", verification["status"]), ("Message", verification["message"])])
    if verification["status"] != "OK":
        raise typer.Exit(ExitCode.REFUSED)


def split_reference(reference: str) -> tuple[str, str]:
    """`IMAGE[:TAG]` into image and tag (`latest` by default); a `:` before the
    last `/` belongs to a registry port, not a tag."""
    image, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, "latest"
    return image, tag


@registries.command("check-image")
def check_image(
    registry: RegistryArgument,
    image: Annotated[str, typer.Argument(help="IMAGE[:TAG], e.g. library/nginx:1.27.")],
    project: WithinProject = None,
    as_json: JsonOption = False,
) -> None:
    """Whether an image exists in a third-party registry (exit 4 when it does not)."""
    name, tag = split_reference(image)
    api = _api()
    variables = {"id": registry_id(api, registry, project), "image": name, "tag": tag}
    result = api.execute(operations.CHECK_IMAGE, variables)["checkImage"]
    check = unwrap(result, "ImageCheck")
    if as_json:
        print_json(check)
    else:
        print_fields(
            [
                ("Status", check["status"]),
                ("Digest", check["digest"]),
                ("Message", check["message"]),
            ]
        )
    if check["status"] == "NOT_FOUND":
        raise typer.Exit(ExitCode.NOT_FOUND)
    if check["status"] != "FOUND":
        raise typer.Exit(ExitCode.REFUSED)


@registries.command("remove")
def remove_registry(
    registry: RegistryArgument, project: WithinProject = None, as_json: JsonOption = False
) -> None:
    """Remove a registry; a Nodion registry's token stops working at once."""
    api = _api()
    result = api.execute(operations.REMOVE_REGISTRY, {"id": registry_id(api, registry, project)})[
        "removeRegistry"
    ]
    removed = unwrap(result, "RemoveRegistrySuccess")
    if as_json:
        print_json(removed)
    else:
        typer.echo(f"Removed registry {removed['removedRegistryId']}.")


# `nodion registries tokens list|create|rotate|revoke`
registries.add_typer(tokens, name="tokens")
# `nodion registries publishers list|add|remove`
registries.add_typer(publishers, name="publishers")
