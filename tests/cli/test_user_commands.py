"""The user commands as a user runs them: the installed `nodion` executable
against the service under uvicorn on 127.0.0.1, over HTTP."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest

from app.accounts.models import API_TOKEN
from app.cli.errors import ExitCode
from app.cli.registries import split_reference
from tests.cli.user_cli import UserCli
from tests.graphql_documents import CREATE_PROJECT
from tests.servers import Service, free_port


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


def test_login_checks_the_token_and_saves_it_for_the_owner_only(
    nodion: UserCli, cli_service: Service
):
    login = nodion(
        "login",
        "--url",
        cli_service.url + "/graphql",
        "--token-stdin",
        stdin=cli_service.demo_token + "\n",
    )
    whoami = nodion("whoami")
    as_json = nodion("whoami", "--json").json()

    assert login.code == ExitCode.OK, login
    assert "as demo@nodion.local" in login.stdout
    assert cli_service.demo_token not in login.stdout + login.stderr
    assert stat.S_IMODE(nodion.config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(nodion.config_file.parent.stat().st_mode) == 0o700
    assert whoami.stdout.strip() == f"demo@nodion.local at {cli_service.url}"
    assert as_json == {"url": cli_service.url, "id": as_json["id"], "email": "demo@nodion.local"}


def test_logout_forgets_the_token(nodion: UserCli, cli_service: Service):
    nodion.login(cli_service.url, cli_service.demo_token)

    logout = nodion("logout")
    whoami = nodion("whoami")

    assert logout.code == ExitCode.OK
    assert not nodion.config_file.exists()
    assert whoami.code == ExitCode.AUTH
    assert "not logged in" in whoami.stderr


def test_environment_overrides_the_config_file(nodion: UserCli, cli_service: Service):
    result = nodion("whoami", NODION_URL=cli_service.url, NODION_TOKEN=cli_service.demo_token)

    assert result.code == ExitCode.OK, result
    assert not nodion.config_file.exists()


def test_a_wrong_token_is_told_apart_from_a_missing_one(nodion: UserCli, cli_service: Service):
    unknown = API_TOKEN.new()  # well-formed, but nobody's

    rejected = nodion("login", "--url", cli_service.url, "--token-stdin", stdin=unknown)
    mistyped = nodion("whoami", NODION_URL=cli_service.url, NODION_TOKEN="nat_typo")
    missing = nodion("whoami", NODION_URL=cli_service.url)

    assert rejected.code == ExitCode.AUTH
    assert "the api token was not accepted" in rejected.stderr.lower()
    assert unknown not in rejected.stderr
    assert not nodion.config_file.exists()
    assert mistyped.code == ExitCode.AUTH
    assert "was not accepted" in mistyped.stderr
    assert missing.code == ExitCode.AUTH
    assert "no API token" in missing.stderr


def test_a_closed_port_exits_with_the_unreachable_code(nodion: UserCli, cli_service: Service):
    closed = f"http://127.0.0.1:{free_port()}"

    result = nodion("login", "--url", closed, "--token-stdin", stdin=cli_service.demo_token)

    assert result.code == ExitCode.UNREACHABLE
    assert f"cannot reach the Nodion API at {closed}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_token_is_not_accepted_as_an_argument(logged_in: UserCli):
    result = logged_in(
        "registries", "add", "--project", "x", "--type", "docker-hub", "--token", "dckr_pat_secret"
    )

    assert result.code == ExitCode.USAGE
    assert "No such option" in result.stderr


def test_a_new_project_has_one_nodion_registry_per_region(logged_in: UserCli, cli_service: Service):
    created = logged_in.ok("projects", "create", "Shop", "--json").json()
    table = logged_in.ok("registries", "list", "--project", "Shop")
    as_json = logged_in.ok("registries", "list", "--project", created["id"], "--json").json()
    projects = logged_in.ok("projects", "list", "--json").json()

    assert [project["id"] for project in projects] == [created["id"]]
    assert sorted((r["type"], r["region"], r["isDefault"]) for r in as_json) == [
        ("NODION", "eu-central", True),
        ("NODION", "us-east", True),
    ]
    assert {r["hostname"] for r in as_json} == {
        "registry.eu-central.nodion.net",
        "registry.us-east.nodion.net",
    }
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["NAME", "TYPE", "REGION", "HOSTNAME", "DEFAULT", "CREDENTIALS", "ID"]
    assert len(rows) == 2
    # Aligned: every column starts where its header does.
    assert all(row.index("NODION") == header.index("TYPE") for row in rows)


def test_add_docker_hub_with_a_token_on_stdin(logged_in: UserCli, cli_service: Service):
    logged_in.ok("projects", "create", "Shop")
    secret = "dckr_pat_" + uuid.uuid4().hex

    added = logged_in(
        "registries",
        "add",
        "--project",
        "Shop",
        "--type",
        "docker-hub",
        "--username",
        "me",
        "--token-stdin",
        "--no-verify",
        "--json",
        stdin=secret + "\n",
    )
    listed = logged_in.ok("registries", "list", "--project", "Shop", "--json")

    assert added.code == ExitCode.OK, added
    registry = added.json()
    assert registry["hostname"] == "docker.io"
    assert registry["username"] == "me"
    assert registry["hasCredentials"] is True
    assert registry["tokenHint"] == secret[-4:]
    assert registry["verificationStatus"] == "NOT_VERIFIED"
    assert secret not in added.stdout + listed.stdout
    assert "docker.io" in {r["hostname"] for r in listed.json()}


def test_generate_credentials_prints_the_token_once(logged_in: UserCli, cli_service: Service):
    logged_in.ok("projects", "create", "Shop")

    first = logged_in("registries", "generate-credentials", "registry.eu-central.nodion.net")
    second = logged_in(
        "registries", "generate-credentials", "Nodion Registry (EU Central)", "--project", "Shop"
    )

    assert first.code == ExitCode.OK, first
    assert "Token:    nrt_" in first.stdout
    assert "docker login registry.eu-central.nodion.net --username shop" in first.stdout
    assert second.code == ExitCode.REFUSED
    assert "already generated" in second.stderr
    assert "nrt_" not in second.stdout + second.stderr


def test_names_resolve_and_ambiguity_lists_the_candidates(logged_in: UserCli):
    one = logged_in.ok("projects", "create", "Twin", "--json").json()
    two = logged_in.ok("projects", "create", "Twin two", "--json").json()

    by_name = logged_in("registries", "list", "--project", "twin", "--json")
    by_namespace = logged_in("registries", "list", "--project", two["namespace"], "--json")
    ambiguous = logged_in("registries", "generate-credentials", "registry.us-east.nodion.net")
    missing = logged_in("registries", "list", "--project", "Nope")

    assert by_name.code == ExitCode.OK  # case-insensitive, and one project only
    assert by_namespace.code == ExitCode.OK
    assert ambiguous.code == ExitCode.AMBIGUOUS  # one us-east registry in each project
    assert "fits 2 registries" in ambiguous.stderr
    assert "project Twin)" in ambiguous.stderr and "project Twin two)" in ambiguous.stderr
    assert one["id"] not in ambiguous.stderr  # registry IDs are listed, not project IDs
    assert missing.code == ExitCode.NOT_FOUND
    assert "no project named 'Nope'" in missing.stderr


def test_an_id_of_another_users_project_is_not_found(logged_in: UserCli, cli_service: Service):
    theirs = cli_service.graphql(CREATE_PROJECT, variables={"name": unique("Theirs")})
    project_id = theirs["createProject"]["project"]["id"]

    result = logged_in("registries", "list", "--project", project_id)

    assert result.code == ExitCode.NOT_FOUND


def test_api_validation_errors_exit_with_the_refused_code(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")

    result = logged_in("registries", "add", "--project", "Shop", "--type", "custom", "--no-verify")

    assert result.code == ExitCode.REFUSED
    assert "hostname" in result.stderr


def test_update_credentials_and_remove(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")
    logged_in.ok("registries", "add", "--project", "Shop", "--type", "ghcr", "--no-verify")
    token_file = Path(logged_in.env["XDG_CONFIG_HOME"]).parent / "ghcr-token"
    token_file.write_text("ghp_" + "x" * 36 + "\n")

    updated = logged_in(
        "registries",
        "update-credentials",
        "ghcr.io",
        "--project",
        "Shop",
        "--username",
        "me",
        "--token-file",
        str(token_file),
        "--no-verify",
        "--json",
    )
    nodion_registry = logged_in(
        "registries",
        "update-credentials",
        "registry.us-east.nodion.net",
        "--username",
        "me",
        "--token-file",
        str(token_file),
    )
    removed = logged_in("registries", "remove", "ghcr.io", "--project", "Shop")
    remaining = logged_in.ok("registries", "list", "--project", "Shop", "--json").json()

    assert updated.code == ExitCode.OK, updated
    assert updated.json()["username"] == "me"
    assert updated.json()["tokenHint"] == "xxxx"
    assert "ghp_" not in updated.stdout
    assert nodion_registry.code == ExitCode.REFUSED
    assert "rotate" in nodion_registry.stderr.lower()
    assert removed.code == ExitCode.OK, removed
    assert "ghcr.io" not in {r["hostname"] for r in remaining}


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("nginx", ("nginx", "latest")),
        ("library/nginx:1.27", ("library/nginx", "1.27")),
        ("localhost:5000/shop/web", ("localhost:5000/shop/web", "latest")),
        ("localhost:5000/shop/web:2", ("localhost:5000/shop/web", "2")),
    ],
)
def test_image_references_split_into_image_and_tag(reference: str, expected: tuple[str, str]):
    assert split_reference(reference) == expected


def test_user_commands_ignore_the_services_settings(logged_in: UserCli):
    """They are clients: a broken service configuration in the shell is not theirs."""
    result = logged_in("projects", "list", NODION_ENVIRONMENT="prod", NODION_REGIONS="x")

    assert result.code == ExitCode.OK, result
