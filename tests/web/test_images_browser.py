"""The dashboard's Images tab in chromium: what the registry's notifications
reported, per region, with digest, size, pusher; deleting asks first and shows
the refusal for a tag an application uses; the Deploy on push switch."""

from __future__ import annotations

from typing import Any

from tests.cli.test_images_commands import notify
from tests.registries.images.events import digest_of, envelope, push
from tests.servers import Service
from tests.web.axe import assert_accessible
from tests.web.conftest import Watched, screenshot
from tests.web.test_dashboard_browser import create_project, sign_in

A, B = digest_of("browser-a"), digest_of("browser-b")


def namespace_of(page: Any) -> str:
    return page.locator(".page-header code").first.inner_text()


def test_images_tab_lists_tags_and_refuses_deleting_one_in_use(
    watched: Watched, web_service: Service
):
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Images")
    namespace = namespace_of(page)
    page.get_by_role("link", name="Applications").click()
    page.get_by_role("button", name="New application").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("web")
    dialog.get_by_label("Region").select_option("eu-central")
    dialog.get_by_label("Strategy").select_option("PREBUILT_IMAGE")
    dialog.get_by_label("Image").fill("web")
    dialog.get_by_label("Tag").fill("stable")
    dialog.get_by_role("button", name="Create application").click()
    dialog.wait_for(state="detached")
    card = page.locator("li.application").filter(has_text="web")
    switch = card.get_by_label("Deploy on push")
    assert not switch.is_checked()
    switch.check()
    page.get_by_text("Deploy on push on for web.").wait_for()
    assert (
        page.locator("li.application")
        .filter(has_text="web")
        .get_by_label("Deploy on push")
        .is_checked()
    )

    notify(
        web_service,
        envelope(
            push(f"{namespace}/web", "stable", A, sizes=(1000, 1500), actor="ci-bot"),
            push(f"{namespace}/worker", "v1", B, sizes=(200,)),
        ),
    )
    page.get_by_role("link", name="Images").click()
    repository = page.locator(f"li.repository[data-repository='{namespace}/web']")
    repository.wait_for()
    row = repository.locator("tr[data-tag=stable]")
    text = row.inner_text()
    assert A[:19] in text and "2.5 KB" in text and "ci-bot" in text
    assert page.locator(f"li.repository[data-repository='{namespace}/worker']").is_visible()
    screenshot(page, "images")
    assert_accessible(page, "images")

    row.get_by_role("button", name=f"Delete {namespace}/web:stable").click()
    confirm = page.get_by_role("dialog")
    assert A in confirm.inner_text()
    confirm.get_by_role("button", name="Delete tag").click()
    repository.get_by_role("alert").filter(has_text="in use by application web").wait_for()
    assert repository.locator("tr[data-tag=stable]").is_visible()

    page.get_by_role("link", name="Applications").click()
    deployed = page.locator("li.application").filter(has_text="web")
    deployed.locator("[data-status=PENDING]").wait_for()
    assert f"@{A}" in deployed.inner_text()
    watched.assert_clean()
