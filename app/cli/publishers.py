"""`nodion registries publishers …`: CI identities (GitHub Actions, GitLab CI,
another OIDC issuer) that push to a Nodion registry with their OIDC token, no
stored secret. The CI exchanges its token at POST /registry/oidc/exchange, or
logs in as `oidc/<namespace>` with it (docs/using.md): it names its project,
whose publishers are the only ones its token is compared with."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli import config, operations
from app.cli.client import Api, unwrap
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.output import JsonOption, key, print_fields, print_json, print_table
from app.cli.resolve import PUBLISHER, child_id, registry_id

publishers = Commands(
    help="Trusted publishers of a Nodion registry: CI jobs that push with their OIDC token.",
    no_args_is_help=True,
)


class Provider(StrEnum):
    github = "github"
    gitlab = "gitlab"
    custom = "custom"


PROVIDERS = {
    Provider.github: "GITHUB_ACTIONS",
    Provider.gitlab: "GITLAB",
    Provider.custom: "CUSTOM_OIDC",
}

RegistryArgument = Annotated[str, typer.Argument(help="Registry ID, name or hostname.")]
WithinProject = Annotated[
    str | None,
    typer.Option("--project", "-p", help="Look the registry name up in this project only."),
]


def _api() -> Api:
    return Api(config.current())


def conditions(row: dict[str, Any]) -> str:
    listed = " ".join(f"{c['claim']}={c['value']}" for c in row["conditions"])
    # Stored before every publisher had to bind an identity: kept, matches nothing.
    return f"{listed} (accepts no token: remove it)" if row.get("problem") else listed


COLUMNS = [
    ("PROVIDER", key("provider")),
    ("CONDITIONS", conditions),
    ("PUSHES TO", lambda row: ",".join(row["repositories"])),
    ("LAST USED", key("lastUsedAt")),
    ("ID", key("id")),
]


def _publishers_of(api: Api, registry: str) -> list[dict[str, Any]]:
    node = api.execute(operations.TRUSTED_PUBLISHERS, {"id": registry})["node"]
    if node is None:
        raise CliError("that registry is not visible to you", ExitCode.NOT_FOUND)
    found: list[dict[str, Any]] = node["trustedPublishers"]
    return found


def _claims(pairs: list[str]) -> list[dict[str, str]]:
    claims = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CliError(f"--claim takes NAME=VALUE; not {pair!r}", ExitCode.USAGE)
        claims.append({"claim": name, "value": value})
    return claims


@publishers.command("list")
def list_publishers(
    registry: RegistryArgument, project: WithinProject = None, as_json: JsonOption = False
) -> None:
    """The registry's trusted publishers, oldest first."""
    api = _api()
    found = _publishers_of(api, registry_id(api, registry, project))
    if as_json:
        print_json(found)
    else:
        print_table(found, COLUMNS, "No trusted publishers.")


@publishers.command("add")
def add_publisher(
    registry: RegistryArgument,
    provider: Annotated[Provider, typer.Option("--provider", help="github, gitlab or custom.")],
    repository: Annotated[
        str | None, typer.Option("--repository", help="github: the repository, owner/name.")
    ] = None,
    workflow: Annotated[
        str | None, typer.Option("--workflow", help="github: the workflow file, e.g. release.yml.")
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option("--environment", help="github, gitlab: the deployment environment."),
    ] = None,
    ref: Annotated[
        str | None,
        typer.Option("--ref", help="github, gitlab: the ref, exact or a glob (refs/tags/v*)."),
    ] = None,
    project_path: Annotated[
        str | None, typer.Option("--project-path", help="gitlab: group/project.")
    ] = None,
    ref_type: Annotated[
        str | None, typer.Option("--ref-type", help="gitlab: branch or tag.")
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(
            "--subject",
            help="custom: the token's sub; exact, unless a --claim names the pipeline exactly.",
        ),
    ] = None,
    claim: Annotated[
        list[str] | None,
        typer.Option("--claim", help="custom: NAME=VALUE the token must carry (repeatable)."),
    ] = None,
    issuer: Annotated[
        str | None,
        typer.Option(
            "--issuer",
            help="gitlab (default https://gitlab.com), custom: https URL (not GitHub's or "
            "gitlab.com's: use --provider github or gitlab).",
        ),
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help="Default: the registry's hostname.")
    ] = None,
    ca_file: Annotated[
        Path | None, typer.Option("--ca-file", help="PEM of a private CA of the issuer.")
    ] = None,
    push_to: Annotated[
        list[str] | None,
        typer.Option(
            "--push-to", help="Repository glob it may push (repeatable); default <namespace>/*."
        ),
    ] = None,
    project: WithinProject = None,
    as_json: JsonOption = False,
) -> None:
    """Trust a CI identity: its jobs exchange their OIDC token for a push credential."""
    try:
        ca_certificate = ca_file.read_text() if ca_file else None
    except OSError as error:
        raise CliError(f"cannot read {ca_file}: {error.strerror}", ExitCode.USAGE) from None
    fields: dict[str, Any] = {
        "provider": PROVIDERS[provider],
        "repository": repository,
        "workflow": workflow,
        "environment": environment,
        "ref": ref,
        "projectPath": project_path,
        "refType": ref_type,
        "subject": subject,
        "claims": _claims(claim) if claim else None,
        "issuer": issuer,
        "audience": audience,
        "caCertificate": ca_certificate,
        "repositories": push_to or None,
    }
    api = _api()
    fields = {name: value for name, value in fields.items() if value is not None}
    fields["registryId"] = registry_id(api, registry, project)
    result = api.execute(operations.ADD_TRUSTED_PUBLISHER, {"input": fields})
    publisher = unwrap(result["addTrustedPublisher"], "AddTrustedPublisherSuccess")["publisher"]
    if as_json:
        print_json(publisher)
        return
    print_fields(
        [
            ("Provider", publisher["provider"]),
            ("Issuer", publisher["issuer"]),
            ("Audience", publisher["audience"]),
            ("Conditions", conditions(publisher)),
            ("Pushes to", ", ".join(publisher["repositories"])),
            ("ID", publisher["id"]),
        ]
    )
    hostname = publisher["registry"]["hostname"]
    namespace = publisher["registry"]["project"]["namespace"]
    typer.echo(
        f"CI jobs log in with: docker login -u oidc/{namespace} --password-stdin {hostname} "
        f"(the job's OIDC token, audience {publisher['audience']}), or exchange it at "
        f'/registry/oidc/exchange with {{"token", "registry": "{hostname}", '
        f'"namespace": "{namespace}"}}.'
    )


@publishers.command("remove")
def remove_publisher(
    registry: RegistryArgument,
    publisher: Annotated[str, typer.Argument(help="Publisher ID (see `list`).")],
    project: WithinProject = None,
    as_json: JsonOption = False,
) -> None:
    """Stop trusting a CI identity; the credentials it was given stop at once."""
    api = _api()
    known = _publishers_of(api, registry_id(api, registry, project))
    publisher = child_id(publisher, PUBLISHER, known, "the registry")
    result = api.execute(operations.REMOVE_TRUSTED_PUBLISHER, {"id": publisher})
    removed = unwrap(result["removeTrustedPublisher"], "RemoveTrustedPublisherSuccess")
    if as_json:
        print_json(removed)
    else:
        typer.echo(f"Removed trusted publisher {publisher}; its credentials stop working now.")
