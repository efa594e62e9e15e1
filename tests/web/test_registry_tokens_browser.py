"""The Tokens section of a Nodion registry in chromium, against a real service:
create a token (shown once in the one-time dialog), rotate one with a grace
period, revoke one after a confirm that names it; the secrets work at the token
endpoint and are gone from the page once their dialog closes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.servers import Service
from tests.web.conftest import Watched, screenshot
from tests.web.test_dashboard_browser import (
    REGIONS,
    create_project,
    everything_the_page_holds,
    sign_in,
)

EU = REGIONS["eu-central"]


def login_status(service: Service, username: str, token: str) -> int:
    return httpx.get(
        service.url + "/registry/token",
        params={"service": EU},
        auth=(username, token),
        timeout=10,
    ).status_code


def read_once(page: Any, title: str) -> dict[str, str]:
    """The one-time dialog's values, then closed."""
    dialog = page.get_by_role("dialog", name=title)
    dialog.wait_for()
    assert "shows it this once" in dialog.inner_text()
    shown = {
        name: dialog.locator(f"[data-credential={name}]").input_value()
        for name in ("username", "token")
    }
    dialog.get_by_role("button", name="I have copied the token").click()
    dialog.wait_for(state="detached")
    return shown


def test_tokens_create_rotate_with_grace_and_revoke(watched: Watched, web_service: Service):
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Tokens")
    eu = page.locator(f"li.registry[data-hostname='{EU}']")
    eu.get_by_role("button", name="Generate credentials").click()
    first = read_once(page, "Registry credentials")
    tokens = eu.locator("section.registry-tokens")
    rows = tokens.locator("tbody tr")
    rows.filter(has_text="default").wait_for()

    # Create a PULL token that expires in a day.
    tokens.get_by_role("button", name="New token").click()
    dialog = page.get_by_role("dialog", name="New token for")
    dialog.get_by_label("Name").fill("deploys")
    dialog.get_by_label("Scope").select_option("PULL")
    dialog.get_by_label("Expires").select_option(label="1 day")
    dialog.get_by_role("button", name="Create token").click()
    deploys = read_once(page, "Token deploys")
    assert deploys["token"].startswith("nrt_")
    assert login_status(web_service, deploys["username"], deploys["token"]) == 200
    row = rows.filter(has_text="deploys")
    row.wait_for()
    assert row.get_attribute("data-status") == "ACTIVE"
    assert "PULL" in row.inner_text()
    assert "expires in" in row.locator(".token-expires").inner_text()  # within 7 days
    assert "demo@nodion.local" in row.inner_text()

    # A second token with a taken name: the error sits next to Name.
    tokens.get_by_role("button", name="New token").click()
    dialog = page.get_by_role("dialog", name="New token for")
    dialog.get_by_label("Name").fill("deploys")
    dialog.get_by_role("button", name="Create token").click()
    dialog.locator(".field[data-field=name]").get_by_role("alert").filter(
        has_text="already has an active token"
    ).wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")

    # Rotate `default`, keeping the old token for an hour.
    rows.filter(has_text="default").get_by_role("button", name="Rotate").click()
    dialog = page.get_by_role("dialog", name="Rotate token default")
    dialog.get_by_label("Keep the old token working for").select_option(label="1 hour")
    dialog.get_by_role("button", name="Rotate token").click()
    rotated = read_once(page, "Token default (rotated)")
    # One row per token: the previous secret shows in it while its grace lasts.
    default = rows.filter(has_text="default")
    default.locator(".token-grace").filter(has_text=f"····{first['token'][-4:]}").wait_for()
    assert default.count() == 1
    assert default.get_attribute("data-status") == "ACTIVE"
    assert login_status(web_service, first["username"], first["token"]) == 200  # grace
    assert login_status(web_service, rotated["username"], rotated["token"]) == 200
    screenshot(page, "registry-tokens")

    # Revoke `deploys`: the confirm names it; cancelling keeps it.
    row.get_by_role("button", name="Revoke").click()
    confirm = page.get_by_role("dialog", name="Revoke token deploys?")
    assert "deploys" in confirm.inner_text()
    confirm.get_by_role("button", name="Cancel").click()
    assert login_status(web_service, deploys["username"], deploys["token"]) == 200
    row.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke deploys").click()
    row.wait_for(state="detached")
    assert login_status(web_service, deploys["username"], deploys["token"]) == 401

    # Revoke `default` (issue 30): its previous secret, in its grace period, stops too.
    default.get_by_role("button", name="Revoke").click()
    confirm = page.get_by_role("dialog", name="Revoke token default?")
    assert f"previous secret ····{first['token'][-4:]}" in confirm.inner_text()
    confirm.get_by_role("button", name="Revoke default").click()
    default.wait_for(state="detached")
    assert login_status(web_service, rotated["username"], rotated["token"]) == 401
    assert login_status(web_service, first["username"], first["token"]) == 401

    held = everything_the_page_holds(page)
    for secret in (first["token"], deploys["token"], rotated["token"]):
        assert secret not in held
    watched.assert_clean()
