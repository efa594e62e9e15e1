"""`nodion registries publishers add|list|remove` as a user runs them: the
installed executable against the service over HTTP."""

from __future__ import annotations

from app.cli.errors import ExitCode
from tests.cli.user_cli import UserCli

EU = "registry.eu-central.nodion.net"


def test_add_list_and_remove_a_github_publisher(logged_in: UserCli):
    # Namespaces are global: another test's "Shop" may hold shop/ already.
    namespace = logged_in.ok("projects", "create", "Shop", "--json").json()["namespace"]
    push_to = f"{namespace}/app"

    added = logged_in.ok(
        "registries", "publishers", "add", EU, "--provider", "github",
        "--repository", "octo/app", "--workflow", "release.yml", "--ref", "refs/tags/v*",
        "--push-to", push_to,
    )  # fmt: skip
    listed = logged_in.ok("registries", "publishers", "list", EU)
    as_json = logged_in.ok("registries", "publishers", "list", EU, "--json").json()

    assert "GITHUB_ACTIONS" in added.stdout and "repository=octo/app" in added.stdout
    assert "Audience:" in added.stdout and EU in added.stdout
    # What the CI sends names the project: its token meets no other's publishers.
    assert f"docker login -u oidc/{namespace} --password-stdin {EU}" in added.stdout
    assert f'"namespace": "{namespace}"' in added.stdout
    header, row = listed.stdout.splitlines()
    assert header.split()[:3] == ["PROVIDER", "CONDITIONS", "PUSHES"]
    assert "ref=refs/tags/v*" in row and push_to in row
    [publisher] = as_json
    assert publisher["repositories"] == [push_to]

    removed = logged_in.ok("registries", "publishers", "remove", EU, publisher["id"])
    assert "stop working now" in removed.stdout
    assert logged_in.ok("registries", "publishers", "list", EU).stdout.strip() == (
        "No trusted publishers."
    )


def test_a_field_of_another_provider_names_the_option_to_leave_out(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")

    refused = logged_in(
        "registries", "publishers", "add", EU, "--provider", "gitlab",
        "--project-path", "group/app", "--workflow", "release.yml",
    )  # fmt: skip

    assert refused.code == ExitCode.REFUSED
    assert "--workflow" in refused.stderr
    builtin = logged_in(
        "registries", "publishers", "add", EU, "--provider", "custom",
        "--issuer", "https://token.actions.githubusercontent.com", "--subject", "*",
    )  # fmt: skip
    assert builtin.code == ExitCode.REFUSED
    assert "GITHUB_ACTIONS" in builtin.stderr and "--repository" in builtin.stderr
    missing = logged_in("registries", "publishers", "remove", EU, "VHJ1c3RlZFB1Ymxpc2hlcjo5OTk=")
    assert missing.code == ExitCode.NOT_FOUND
