"""The user commands start at the speed of their own imports (issue 24): they are
GraphQL clients, so running one never loads the service (its settings, ORM,
database drivers, GraphQL server, web framework or cryptography), and a command
that sends nothing does not even load the HTTP client.

Measured without a clock: the installed `nodion` runs with
PYTHONPROFILEIMPORTTIME=1 (`python -X importtime`), which lists on stderr every
module the process imported. `scripts/bench.py --cli` prints the times."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.cli.user_cli import Result, UserCli

IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)$", re.MULTILINE)
# What the service needs and a client of its API does not.
SERVICE_LIBRARIES = {
    "tortoise",
    "pypika",
    "asyncpg",
    "aiosqlite",
    "strawberry",
    "graphql",
    "starlette",
    "uvicorn",
    "uvloop",
    "cryptography",
    "pydantic_settings",
    "orjson",
}
# The only parts of the app a user command may load.
CLIENT_PACKAGES = ("app.cli", "app.operations")
# typer coerces the value of an option through pydantic; a command given flags
# only must not load it (app/cli/commands.py), as it was for typer's own
# `--help` and completion flags when they were not given.
VALUE_COERCION = "pydantic"


def imported(result: Result) -> set[str]:
    return set(IMPORTED.findall(result.stderr))


def service_modules(modules: set[str]) -> list[str]:
    """The modules in `modules` that belong to the service, not to its client."""
    return sorted(
        name
        for name in modules
        if name.split(".")[0] in SERVICE_LIBRARIES
        or (name.startswith("app.") and not name.startswith(CLIENT_PACKAGES))
    )


def run_profiled(nodion: UserCli, *args: str) -> set[str]:
    result = nodion(*args, PYTHONPROFILEIMPORTTIME="1")
    assert result.code == 0, result
    modules = imported(result)
    assert "app.cli.main" in modules  # the profile did list the imports
    return modules


@pytest.mark.parametrize(
    "args", [("--help",), ("projects", "--help"), ("projects", "list", "--help")]
)
def test_help_loads_neither_the_service_nor_the_http_client(nodion: UserCli, args):
    modules = run_profiled(nodion, *args)

    assert service_modules(modules) == []
    assert "httpx" not in modules  # nothing is sent
    assert VALUE_COERCION not in modules


def test_listing_projects_loads_only_the_client(logged_in: UserCli):
    modules = run_profiled(logged_in, "projects", "list")

    assert service_modules(modules) == []
    assert "httpx" in modules
    assert VALUE_COERCION not in modules


@pytest.mark.parametrize("args", [("projects", "list", "--json"), ("whoami",)])
def test_commands_given_flags_only_do_not_load_value_coercion(logged_in: UserCli, args):
    modules = run_profiled(logged_in, *args)

    assert service_modules(modules) == []
    assert VALUE_COERCION not in modules


def test_a_service_command_still_loads_the_service(nodion: UserCli, tmp_path):
    """The other side of the split: `export-schema` imports the schema where it
    runs, so the check above can tell a service import apart."""
    modules = run_profiled(nodion, "export-schema", str(tmp_path / "schema.graphql"))

    assert {"strawberry", "app.api.schema"} <= modules


def test_an_option_with_a_value_still_loads_value_coercion(logged_in: UserCli):
    """The other side of the flags check: typer does load pydantic to coerce a
    given value, so the check above can tell it apart."""
    modules = run_profiled(logged_in, "projects", "create", f"Coerced {uuid.uuid4().hex[:8]}")

    assert VALUE_COERCION in modules
