"""The Trusted publishers section of a Nodion registry in chromium, against a
real service: the add form shows the fields and the CI snippet of the chosen
provider, a field error sits next to its field, the publisher is listed, and
removing it asks first."""

from __future__ import annotations

from tests.servers import Service
from tests.web.conftest import Watched
from tests.web.test_dashboard_browser import REGIONS, create_project, sign_in

EU = REGIONS["eu-central"]


def test_add_a_github_publisher_with_its_snippet_then_remove_it(
    watched: Watched, web_service: Service
):
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Publishers")
    section = page.locator(f"li.registry[data-hostname='{EU}'] section.registry-publishers")
    section.get_by_text("No trusted publishers").wait_for()

    section.get_by_role("button", name="Add publisher").click()
    dialog = page.get_by_role("dialog", name="Trusted publisher for")
    snippet = dialog.get_by_label("CI snippet")
    assert "id-token: write" in snippet.inner_text()
    # The CI names its project: docker login asks for no repository.
    assert f"docker login -u oidc/publishers --password-stdin {EU}" in snippet.inner_text()
    assert f"docker push {EU}/publishers/app:" in snippet.inner_text()
    assert dialog.locator(".field[data-field=projectPath]").is_hidden()
    assert dialog.locator(".field[data-field=repository]").is_visible()
    dialog.get_by_label("CI", exact=True).select_option("GITLAB")
    assert "id_tokens:" in snippet.inner_text() and f"aud: {EU}" in snippet.inner_text()
    assert dialog.locator(".field[data-field=repository]").is_hidden()
    assert dialog.locator(".field[data-field=projectPath]").is_visible()
    dialog.get_by_label("CI", exact=True).select_option("CUSTOM_OIDC")
    assert '\\"namespace\\": \\"publishers\\"' in snippet.inner_text()
    dialog.locator(".field[data-field=issuer] input").fill(
        "https://token.actions.githubusercontent.com"
    )
    dialog.locator(".field[data-field=subject] input").fill("*")
    dialog.get_by_role("button", name="Add publisher").click()
    dialog.locator(".field[data-field=issuer]").get_by_role("alert").filter(
        has_text="choose GitHub Actions"
    ).wait_for()
    dialog.get_by_label("CI", exact=True).select_option("GITHUB_ACTIONS")

    dialog.get_by_role("button", name="Add publisher").click()  # no repository yet
    dialog.locator(".field[data-field=repository]").get_by_role("alert").filter(
        has_text="repository"
    ).wait_for()
    dialog.locator(".field[data-field=repository] input").fill("octo/app")
    dialog.locator(".field[data-field=ref] input").fill("refs/tags/v*")
    dialog.get_by_role("button", name="Add publisher").click()
    dialog.wait_for(state="detached")
    row = section.locator("tbody tr")
    row.wait_for()
    assert "repository = octo/app" in row.inner_text()
    assert "ref = refs/tags/v*" in row.inner_text()

    row.get_by_role("button", name="Remove").click()
    confirm = page.get_by_role("dialog", name="Remove this trusted publisher?")
    confirm.get_by_role("button", name="Remove publisher").click()
    section = page.locator(f"li.registry[data-hostname='{EU}'] section.registry-publishers")
    section.get_by_text("No trusted publishers").wait_for()
