"""GraphiQL works with no network but the service's own origin, and the page
policy keeps injected inline script from running, in chromium."""

from __future__ import annotations

from typing import Any

from tests.servers import Service
from tests.web.conftest import Watched


def test_graphiql_runs_a_query_offline(watched: Watched, web_service: Service):
    page = watched.page
    page.goto(web_service.url + "/graphql")
    page.locator(".graphiql-container").wait_for()
    headers = page.locator(".graphiql-editor-tool .CodeMirror >> visible=true")
    headers.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(f'{{"Authorization": "Bearer {web_service.demo_token}"}}')
    page.locator(".graphiql-execute-button").click()

    response = page.locator(".graphiql-response")
    response.filter(has_text="demo@nodion.local").wait_for()
    assert '"viewer"' in response.inner_text()
    # Headers hold the API token: never persisted, and nothing in localStorage.
    assert page.evaluate("localStorage.length") == 0
    assert web_service.demo_token not in page.evaluate("JSON.stringify({ ...sessionStorage })")

    # GraphiQL's own dialogs work under the page policy without a refusal.
    for dialog in ("Open settings dialog", "Open short keys dialog"):
        page.get_by_role("button", name=dialog).click()
        page.get_by_role("dialog").wait_for()
        page.keyboard.press("Escape")
        page.get_by_role("dialog").wait_for(state="detached")
    watched.assert_clean()


def test_injected_inline_script_does_not_run(watched: Watched, web_service: Service):
    """The dashboard page as the server sends it (its headers included), with an
    inline script and an inline event handler injected into the HTML."""
    page = watched.page
    injected = (
        "<script>window.__inline = 'ran'</script>"
        "<img src='data:,' onerror=\"window.__handler = 'ran'\">"
    )

    def inject(route: Any) -> None:
        response = route.fetch()
        body = response.text().replace("<body>", "<body>" + injected)
        route.fulfill(response=response, body=body)

    page.route("**/dashboard", inject)
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    response = page.goto(web_service.url + "/dashboard")
    page.get_by_role("heading", name="Sign in to Nodion").wait_for()

    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert page.evaluate("[window.__inline, window.__handler]") == [None, None]
    # The page's own module scripts did run (the sign-in form is there), and
    # chromium reported both refusals.
    refused = [text for text in violations if "Content Security Policy" in text]
    assert len(refused) == 2, violations
    watched.console_errors.clear()  # the two refusals are the expected errors
    watched.assert_clean()
