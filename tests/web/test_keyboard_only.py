"""Issue 23: every action works from the keyboard alone. Adding a registry and
generating credentials, with Tab, arrows, Space and Enter only (no clicks)."""

from __future__ import annotations

from typing import Any

from tests.servers import Service
from tests.web.axe import assert_accessible
from tests.web.conftest import Watched

FOCUSED_TEXT = """() => {
    const focused = document.activeElement;
    return (focused.name || focused.innerText || "").trim();
}"""


def tab_to(page: Any, text: str, limit: int = 80) -> None:
    """Press Tab until the focused field's name (or the button's text) is `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_TEXT) == text:
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_add_a_registry_and_generate_credentials_by_keyboard(
    watched: Watched, web_service: Service
):
    page = watched.page
    page.goto(web_service.url + "/")
    page.get_by_label("API token").wait_for()
    page.keyboard.type(web_service.demo_token)  # the token field has focus
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Projects").wait_for()

    tab_to(page, "name")  # the project name field
    page.keyboard.type("Keyboard")
    page.keyboard.press("Enter")
    page.locator("li.registry").first.wait_for()

    tab_to(page, "Add registry")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    tab_to(page, "type")  # the provider
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        if dialog.get_by_label("Provider").input_value() == "GHCR":
            break
    assert dialog.get_by_label("Provider").input_value() == "GHCR"
    tab_to(page, "verify")
    page.keyboard.press("Space")  # no check: the tests connect nowhere
    assert not dialog.get_by_label("Check the registry").is_checked()
    tab_to(page, "Add registry")
    page.keyboard.press("Enter")
    dialog.wait_for(state="detached")
    page.locator("li.registry[data-type=GHCR]").wait_for()

    tab_to(page, "Generate credentials")
    page.keyboard.press("Enter")
    credentials = page.get_by_role("dialog", name="Registry credentials")
    credentials.wait_for()
    assert credentials.locator("[data-credential=token]").input_value().startswith("nrt_")
    assert_accessible(page, "credentials dialog, by keyboard")
    assert page.evaluate(FOCUSED_TEXT) == "I have copied the token"
    page.keyboard.press("Enter")
    credentials.wait_for(state="detached")
    watched.assert_clean()
