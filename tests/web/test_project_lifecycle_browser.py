"""Renaming and deleting a project from the dashboard, in chromium against a
real service: the namespace stays on rename; delete asks for the name typed out,
is refused while applications exist unless ticked, and the project is gone."""

from __future__ import annotations

from typing import Any

from tests.servers import TOKEN_LINE, Service, run_cli
from tests.web.axe import assert_accessible
from tests.web.conftest import Watched, screenshot
from tests.web.test_dashboard_browser import create_project, sign_in

PROJECTS = "{ projects(first: 50) { edges { node { name namespace } } } }"
CREATE = """mutation($name: String!) { createProject(input: {name: $name}) {
  ... on CreateProjectSuccess { project { id } } } }"""
ADD_MEMBER = """mutation($p: ID!, $email: String!) { addProjectMember(input:
  {projectId: $p, email: $email, role: VIEWER}) { __typename } }"""


def projects_of(service: Service) -> dict[str, str]:
    data = service.graphql(PROJECTS)
    return {edge["node"]["name"]: edge["node"]["namespace"] for edge in data["projects"]["edges"]}


def add_application(page: Any) -> None:
    page.get_by_role("link", name="Applications").click()
    page.get_by_role("button", name="New application").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("web")
    dialog.get_by_label("Region").select_option("eu-central")
    dialog.get_by_label("Strategy").select_option("PREBUILT_IMAGE")
    dialog.get_by_label("Image").fill("nginx")
    dialog.get_by_role("button", name="Create application").click()
    dialog.wait_for(state="detached")
    page.locator("li.application").filter(has_text="web").wait_for()


def test_rename_keeps_the_namespace_and_delete_asks_for_the_name(
    watched: Watched, web_service: Service
):
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Lifecycle")
    namespace = projects_of(web_service)["Lifecycle"]

    page.get_by_role("button", name="Rename").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Project name").fill("")
    dialog.get_by_role("button", name="Rename").click()
    dialog.locator(".field[data-field=name]").get_by_role("alert").wait_for()
    assert dialog.get_by_role("alert").first.inner_text().strip() != ""
    dialog.get_by_label("Project name").fill("Lifecycle Renamed")
    dialog.get_by_role("button", name="Rename").click()
    dialog.wait_for(state="detached")
    page.get_by_role("heading", name="Lifecycle Renamed", level=1).wait_for()
    assert projects_of(web_service).get("Lifecycle Renamed") == namespace
    assert "Lifecycle" not in projects_of(web_service)

    add_application(page)
    page.get_by_role("button", name="Delete project").click()
    dialog = page.get_by_role("dialog")
    delete = dialog.get_by_role("button", name="Delete project")
    assert delete.is_disabled()
    dialog.get_by_label("Type Lifecycle Renamed to confirm").fill("Lifecycle")
    assert delete.is_disabled()
    dialog.get_by_label("Type Lifecycle Renamed to confirm").fill("Lifecycle Renamed")
    screenshot(page, "delete-project")
    assert_accessible(page, "delete-project")
    delete.click()  # refused: an application exists and the box is not ticked
    dialog.get_by_role("alert").filter(has_text="application").wait_for()
    assert "Lifecycle Renamed" in projects_of(web_service)

    dialog.get_by_label("Also delete its applications and their deployments").check()
    delete.click()
    dialog.wait_for(state="detached")
    page.get_by_role("heading", name="Projects", level=1).wait_for()
    assert "Lifecycle Renamed" not in projects_of(web_service)
    assert page.locator(".project-card").filter(has_text="Lifecycle Renamed").count() == 0
    watched.assert_clean()


def test_a_viewer_sees_neither_rename_nor_delete(watched: Watched, web_service: Service):
    """Only ADMINs manage the project (the API refuses the others anyway)."""
    created = run_cli(web_service.env, "admin", "create-user", "viewer@example.com")
    token = next(m.group(1) for m in map(TOKEN_LINE.match, created.stdout.splitlines()) if m)
    made = web_service.graphql(CREATE, variables={"name": "Watched"})
    project = made["createProject"]["project"]
    added = web_service.graphql(
        ADD_MEMBER, variables={"p": project["id"], "email": "viewer@example.com"}
    )
    assert added["addProjectMember"]["__typename"] == "ProjectMembersChanged"

    page = watched.page
    page.goto(web_service.url + "/")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Watched").click()
    page.get_by_role("heading", name="Watched", level=1).wait_for()
    page.locator(".page-header .badge").filter(has_text="viewer").wait_for()
    assert page.get_by_role("button", name="Rename").count() == 0
    assert page.get_by_role("button", name="Delete project").count() == 0
    watched.assert_clean()
