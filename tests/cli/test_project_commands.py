"""`nodion projects rename|delete`, run as a user runs them."""

from __future__ import annotations

from app.cli.errors import ExitCode
from tests.cli.user_cli import UserCli


def test_rename_keeps_the_namespace(logged_in: UserCli):
    created = logged_in.ok("projects", "create", "Lifecycle Shop", "--json").json()

    renamed = logged_in.ok("projects", "rename", created["namespace"], "Lifecycle EU", "--json")

    assert renamed.json()["name"] == "Lifecycle EU"
    assert renamed.json()["namespace"] == created["namespace"]
    table = logged_in.ok("projects", "rename", created["id"], "Lifecycle EU 2")
    assert table.stdout.strip() == f"Renamed project {created['namespace']} to 'Lifecycle EU 2'."


def test_delete_asks_first_and_needs_force_for_applications(logged_in: UserCli):
    created = logged_in.ok("projects", "create", "Temporary", "--json").json()
    namespace = created["namespace"]
    logged_in.ok("apps", "create", "web", "--project", namespace, "--region", "eu-central",
                 "--strategy", "prebuilt_image", "--image", "nginx")  # fmt: skip

    declined = logged_in("projects", "delete", namespace, stdin="n\n")
    assert declined.code == ExitCode.ERROR
    assert "nothing was deleted" in declined.stderr

    refused = logged_in("projects", "delete", namespace, "--yes")
    assert refused.code == ExitCode.REFUSED
    assert "applications: web" in refused.stderr and "force" in refused.stderr

    deleted = logged_in.ok("projects", "delete", namespace, "--force", stdin="y\n")
    assert f"Deleted project Temporary (namespace {namespace})" in deleted.stdout
    listed = logged_in.ok("projects", "list", "--json").json()
    assert namespace not in [project["namespace"] for project in listed]

    again = logged_in("projects", "delete", created["id"], "--yes")
    assert again.code == ExitCode.NOT_FOUND


def test_delete_refuses_a_name_that_is_another_projects_namespace(logged_in: UserCli):
    """Issue 30: `projects delete beta --yes` deleted the project whose namespace
    is beta, though another project is named beta. A reference that fits two
    projects is refused, naming both and how to name each; nothing is deleted."""
    by_namespace = logged_in.ok("projects", "create", "Alpha", "--namespace", "beta", "--json")
    by_name = logged_in.ok("projects", "create", "beta", "--json").json()
    alpha = by_namespace.json()

    refused = logged_in("projects", "delete", "beta", "--yes")
    listed = logged_in.ok("projects", "list", "--json").json()

    assert refused.code == ExitCode.AMBIGUOUS, refused
    line = refused.stderr.strip()
    assert "\n" not in line
    assert "fits 2 projects" in line
    assert alpha["id"] in line and by_name["id"] in line  # how to name each: its ID
    assert "name beta" in line and "namespace beta" in line  # how each matched
    assert {p["id"] for p in listed} >= {alpha["id"], by_name["id"]}  # nothing deleted
    deleted = logged_in("projects", "delete", by_name["id"], "--yes")
    assert deleted.code == ExitCode.OK, deleted
    assert "Deleted project beta (namespace " in deleted.stdout
