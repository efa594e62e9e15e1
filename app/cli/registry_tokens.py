"""`nodion registries tokens …`: a Nodion registry's access tokens. A new token
is printed once (or written to `--output-file`, readable by its owner only)."""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli import config, operations
from app.cli.client import Api, unwrap
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.output import JsonOption, key, print_fields, print_json, print_table
from app.cli.resolve import TOKEN, is_global_id, registry_id, resolve

tokens = Commands(
    help="Access tokens of a Nodion registry: PULL or PUSH, optionally expiring.",
    no_args_is_help=True,
)

REMINDER_DAYS = 7  # a token ending within this many days says so
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
DURATION = re.compile(r"^(\d{1,9})([smhd]?)\Z")
PAGE = 100


class Scope(StrEnum):
    pull = "pull"
    push = "push"


RegistryArgument = Annotated[str, typer.Argument(help="Registry ID, name or hostname.")]
TokenArgument = Annotated[str, typer.Argument(help="Token ID or name (within the registry).")]
WithinProject = Annotated[
    str | None,
    typer.Option("--project", "-p", help="Look the registry name up in this project only."),
]
OutputFile = Annotated[
    Path | None,
    typer.Option(
        "--output-file",
        help="Write the new token to this file (mode 0600) instead of printing it.",
    ),
]


def _api() -> Api:
    return Api(config.current())


def seconds(text: str, option: str) -> int:
    """`90`, `90s`, `15m`, `12h`, `30d` as seconds."""
    match = DURATION.match(text.strip())
    if match is None:
        raise CliError(
            f"{option} takes a duration such as 3600, 90m, 12h or 30d; not {text!r}",
            ExitCode.USAGE,
        )
    return int(match.group(1)) * UNITS[match.group(2) or "s"]


def expires(token: dict[str, Any], now: datetime | None = None) -> str:
    """`never`, `expires in N days` within a week (hours, minutes when sooner), the
    date otherwise; `ended` once it has passed."""
    if token.get("expiresAt") is None:
        return "never"
    ends = datetime.fromisoformat(token["expiresAt"])
    left = (ends - (now or datetime.now(UTC))).total_seconds()
    if left <= 0:
        return "ended " + ends.strftime("%Y-%m-%d %H:%M UTC")
    if left >= REMINDER_DAYS * 86_400:
        return ends.strftime("%Y-%m-%d")
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if left >= size:
            count = math.floor(left / size)
            return f"expires in {count} {unit}{'' if count == 1 else 's'}"
    return "expires in less than a minute"


def previous_secret(token: dict[str, Any], now: datetime | None = None) -> str:
    """The secret a rotation replaced, while it still works: `…hint until when`."""
    if token.get("graceEndsAt") is None:
        return ""
    ends = datetime.fromisoformat(token["graceEndsAt"])
    if ends <= (now or datetime.now(UTC)):
        return ""
    return f"…{token['graceTokenHint']} until {ends.strftime('%Y-%m-%d %H:%M UTC')}"


TOKEN_COLUMNS = [
    ("NAME", key("name")),
    ("SCOPE", key("scope")),
    ("STATUS", key("status")),
    ("HINT", lambda row: f"…{row['tokenHint']}"),
    ("PREVIOUS SECRET", previous_secret),
    ("CREATED BY", key("createdBy")),
    ("EXPIRES", expires),
    ("LAST USED", key("lastUsedAt")),
    ("ID", key("id")),
]


def _tokens_of(api: Api, registry: str, include_inactive: bool) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        variables = {
            "id": registry,
            "first": PAGE,
            "after": after,
            "includeInactive": include_inactive,
        }
        node = api.execute(operations.REGISTRY_TOKENS, variables)["node"]
        if node is None:
            raise CliError("that registry is not visible to you", ExitCode.NOT_FOUND)
        connection = node["tokens"]
        found += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return found
        after = connection["pageInfo"]["endCursor"]


def _token_id(api: Api, registry: str, token: str) -> str:
    """A token of this registry by ID or name; an ID of another registry's token
    is refused here, as a name that matches nothing. The listing has one row per
    token (a rotation's previous secret is its token's, not a row of its own),
    so a working token's name names exactly one; an ID may also be that of a
    previous secret (the server then acts on its whole token)."""
    if is_global_id(token, TOKEN.type_name):
        found = api.execute(operations.REGISTRY_TOKEN, {"id": token})["node"]
        if found is not None and found.get("registry", {}).get("id") == registry:
            return token
        raise CliError(f"the registry has no token with ID {token}", ExitCode.NOT_FOUND)
    return str(resolve(token, TOKEN, _tokens_of(api, registry, False))["id"])


def _write_secret(path: Path, secret: str) -> None:
    """The token alone, in a file only its owner can read (created so: never
    readable by others, not even for a moment)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}", ExitCode.USAGE) from None
    with os.fdopen(fd, "w") as file:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode on open: set it
        file.write(secret + "\n")


def _show_new(made: dict[str, Any], as_json: bool, output_file: Path | None) -> None:
    credentials = made["credentials"]
    if output_file is not None:
        _write_secret(output_file, credentials["token"])
        credentials = {name: value for name, value in credentials.items() if name != "token"}
        made = {**made, "credentials": credentials}
    if as_json:
        print_json(made)
        return
    token = made["token"]
    print_fields(
        [
            ("Token name", token["name"]),
            ("Scope", token["scope"]),
            ("Expires", expires(token)),
            ("Hostname", credentials["hostname"]),
            ("Username", credentials["username"]),
            ("Token", credentials.get("token", f"written to {output_file}")),
            ("ID", token["id"]),
        ]
    )
    if output_file is None:
        typer.echo("The token is shown this once; Nodion cannot show it again. Log in with:")
    else:
        typer.echo("Log in with:")
    typer.echo(f"  {credentials['dockerLogin']}")


@tokens.command("list")
def list_tokens(
    registry: RegistryArgument,
    project: WithinProject = None,
    include_inactive: Annotated[
        bool, typer.Option("--all", help="Also expired and revoked tokens.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The registry's tokens, newest first (never a secret)."""
    api = _api()
    found = _tokens_of(api, registry_id(api, registry, project), include_inactive)
    if as_json:
        print_json(found)
    else:
        print_table(found, TOKEN_COLUMNS, "No tokens.")


@tokens.command("create")
def create_token(
    registry: RegistryArgument,
    name: Annotated[str, typer.Option("--name", help="1 to 64 characters.")],
    scope: Annotated[Scope, typer.Option("--scope", help="pull, or push (includes pull).")],
    expires_in: Annotated[
        str | None,
        typer.Option("--expires-in", help="e.g. 30d, 12h or seconds; default: no expiry."),
    ] = None,
    project: WithinProject = None,
    output_file: OutputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Make another token. It is shown this once."""
    fields: dict[str, Any] = {"name": name, "scope": scope.value.upper()}
    if expires_in is not None:
        fields["expiresIn"] = seconds(expires_in, "--expires-in")
    api = _api()
    fields["registryId"] = registry_id(api, registry, project)
    result = api.execute(operations.CREATE_REGISTRY_TOKEN, {"input": fields})
    _show_new(
        unwrap(result["createRegistryToken"], "CreateRegistryTokenSuccess"), as_json, output_file
    )


@tokens.command("rotate")
def rotate_token(
    registry: RegistryArgument,
    token: TokenArgument,
    grace: Annotated[
        str,
        typer.Option("--grace", help="How long the old token keeps working: 0, 1h, 1d, up to 7d."),
    ],
    project: WithinProject = None,
    output_file: OutputFile = None,
    as_json: JsonOption = False,
) -> None:
    """Replace a token: the new one is shown once, the old one works for the grace period."""
    grace_period = seconds(grace, "--grace")
    api = _api()
    token_id = _token_id(api, registry_id(api, registry, project), token)
    variables = {"input": {"tokenId": token_id, "gracePeriod": grace_period}}
    result = api.execute(operations.ROTATE_REGISTRY_TOKEN, variables)["rotateRegistryToken"]
    rotated = unwrap(result, "RotateRegistryTokenSuccess")
    _show_new(rotated, as_json, output_file)
    if as_json:
        return
    old = rotated["replaced"]
    if old["status"] == "EXPIRED":
        typer.echo("The old secret stopped working now.")
    else:
        typer.echo(f"The old secret works until {old['expiresAt']} ({expires(old)}).")
    for ended in rotated["graceEnded"]:
        typer.echo(
            f"The secret before it (…{ended['tokenHint']}), still in the grace period of an "
            "earlier rotation, stopped working now: a token keeps one previous secret at a time."
        )


@tokens.command("revoke")
def revoke_token(
    registry: RegistryArgument,
    token: TokenArgument,
    project: WithinProject = None,
    as_json: JsonOption = False,
) -> None:
    """Stop a token at once, everywhere: every secret of it, a rotation's previous
    secret in its grace period included."""
    api = _api()
    token_id = _token_id(api, registry_id(api, registry, project), token)
    result = api.execute(operations.REVOKE_REGISTRY_TOKEN, {"id": token_id})
    success = unwrap(result["revokeRegistryToken"], "RevokeRegistryTokenSuccess")
    revoked, with_it = success["token"], success["revokedWithIt"]
    if as_json:
        print_json({**revoked, "revokedWithIt": with_it})
        return
    secrets = "".join(f" and …{other['tokenHint']}" for other in with_it)
    typer.echo(
        f"Revoked token {revoked['name']} ({revoked['id']}): its secret "
        f"…{revoked['tokenHint']}{secrets} stop{'' if secrets else 's'} working now."
    )
