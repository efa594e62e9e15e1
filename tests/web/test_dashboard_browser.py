"""The dashboard's registry flow in chromium, against a real service: sign in,
a project, its Nodion registries, Docker Hub, a refused CUSTOM registry, and
the one-time credentials dialog, with the network limited to the service."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from app.operations import document
from tests.servers import Service, free_port
from tests.web.axe import assert_accessible
from tests.web.conftest import Watched, screenshot

REGIONS = {"eu-central": "registry.eu-central.nodion.net", "us-east": "registry.us-east.nodion.net"}


def sign_in(page: Any, service: Service) -> None:
    page.goto(service.url + "/")
    page.get_by_label("API token").wait_for()
    assert_accessible(page, "sign-in")
    page.get_by_label("API token").fill(service.demo_token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Projects").wait_for()
    screenshot(page, "projects")
    assert_accessible(page, "projects")


def create_project(page: Any, name: str) -> None:
    page.get_by_label("Project name").fill(name)
    page.get_by_role("button", name="Create project").click()
    page.locator("li.registry").first.wait_for()


def heap_strings(page: Any) -> str:
    """Every string alive in the page's JavaScript heap, after a full GC."""
    cdp = page.context.new_cdp_session(page)
    chunks: list[str] = []
    cdp.on("HeapProfiler.addHeapSnapshotChunk", lambda event: chunks.append(event["chunk"]))
    cdp.send("HeapProfiler.enable")
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False})
    cdp.detach()
    return "\n".join(json.loads("".join(chunks))["strings"])


def everything_the_page_holds(page: Any) -> str:
    """The DOM as HTML, plus what HTML does not show: form values and storage."""
    return page.evaluate(
        """() => [
            document.documentElement.outerHTML,
            ...Array.from(document.querySelectorAll("input, textarea, select"), (e) => e.value),
            JSON.stringify({ ...sessionStorage }),
            JSON.stringify({ ...localStorage }),
            location.href,
        ].join("\\n")"""
    )


def test_a_wrong_token_is_refused_and_said_so(watched: Watched, web_service: Service):
    page = watched.page
    page.goto(web_service.url + "/")
    # By keyboard: the token field has focus, Enter submits.
    page.keyboard.type("nat_not-a-real-token")
    page.keyboard.press("Enter")

    error = page.get_by_role("alert").filter(has_text="not accepted")
    error.wait_for()
    assert page.evaluate("sessionStorage.length") == 0
    watched.assert_clean()


def test_whole_registry_flow(watched: Watched, web_service: Service):
    page = watched.page
    sign_in(page, web_service)
    assert page.evaluate("Object.keys(sessionStorage)") == ["nodion.apiToken"]
    assert page.evaluate("localStorage.length") == 0
    # The header says who is signed in.
    page.locator("#account [data-viewer-email]").wait_for()
    assert "Signed in as" in page.locator("#account").inner_text()
    create_project(page, "Shop")

    # One default Nodion registry per region.
    nodion = page.locator("li.registry[data-type=NODION]")
    assert sorted(nodion.evaluate_all("rows => rows.map(r => r.dataset.hostname)")) == sorted(
        REGIONS.values()
    )
    assert nodion.filter(has_text="Default").count() == 2

    # Docker Hub, saved without a check: the hostname is filled in and locked.
    page.get_by_role("button", name="Add registry").click()
    dialog = page.get_by_role("dialog")
    unlabelled = dialog.locator("input, select, textarea").evaluate_all(
        "fields => fields.filter(f => f.labels.length === 0).map(f => f.name)"
    )
    assert unlabelled == []
    assert_accessible(page, "add-registry dialog")
    dialog.get_by_label("Provider").select_option("DOCKER_HUB")
    hostname = dialog.get_by_label("Hostname")
    assert hostname.input_value() == "docker.io" and not hostname.is_editable()
    assert dialog.get_by_label("Access token or password").get_attribute("type") == "password"
    dialog.get_by_label("Username").fill("me")
    dialog.get_by_label("Access token or password").fill("dckr_pat_example")
    dialog.get_by_label("Check the registry").uncheck()
    dialog.get_by_role("button", name="Add registry").click()
    docker_hub = page.locator("li.registry[data-type=DOCKER_HUB]")
    docker_hub.wait_for()
    assert docker_hub.get_attribute("data-hostname") == "docker.io"
    assert docker_hub.locator("[data-status=NOT_VERIFIED]").count() == 1
    assert docker_hub.locator("[data-token-hint]").get_attribute("data-token-hint") == "mple"

    # A CUSTOM registry on a loopback port: the SSRF guard refuses it, next to Hostname.
    page.get_by_role("button", name="Add registry").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Provider").select_option("CUSTOM")
    assert dialog.get_by_label("Hostname").is_editable()
    assert dialog.get_by_label("CA certificate (PEM)").is_visible()
    dialog.get_by_label("Hostname").fill(f"127.0.0.1:{free_port()}")
    dialog.get_by_role("button", name="Add registry").click()
    hostname_field = dialog.locator(".field[data-field=hostname]")
    hostname_error = hostname_field.get_by_role("alert")
    hostname_error.filter(has_text="loopback").wait_for()
    assert "Nodion does not connect there" in hostname_error.inner_text()
    assert dialog.get_by_label("Hostname").get_attribute("aria-invalid") == "true"
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.locator("li.registry[data-type=CUSTOM]").count() == 0

    # Generate credentials of the EU Central registry and read them once.
    eu = page.locator(f"li.registry[data-hostname='{REGIONS['eu-central']}']")
    eu.get_by_role("button", name="Generate credentials").click()
    dialog = page.get_by_role("dialog", name="Registry credentials")
    dialog.wait_for()
    assert "shows it this once" in dialog.inner_text()
    shown = {
        name: dialog.locator(f"[data-credential={name}]").input_value()
        for name in ("hostname", "username", "token", "dockerLogin")
    }
    assert dialog.get_by_role("button", name=re.compile("^Copy")).count() == 4
    screenshot(page, "credentials-dialog", full_page=False)
    assert_accessible(page, "credentials-dialog")
    token = shown["token"]
    assert shown["hostname"] == REGIONS["eu-central"]
    assert token.startswith("nrt_")
    assert shown["dockerLogin"].startswith(f"docker login {REGIONS['eu-central']} ")
    # One option a line, continued for the shell; the box never wraps by itself,
    # so `--password-stdin` is never cut in two.
    assert shown["dockerLogin"].splitlines() == [
        f"docker login {REGIONS['eu-central']} \\",
        f"    --username {shown['username']} \\",
        "    --password-stdin",
    ]
    login_box = dialog.locator("[data-credential=dockerLogin]")
    assert login_box.evaluate("box => getComputedStyle(box).whiteSpace") == "pre"
    # The dialog showed the real token: the registry token endpoint accepts it.
    grant = httpx.get(
        web_service.url + "/registry/token",
        params={"service": REGIONS["eu-central"]},
        auth=(shown["username"], token),
        timeout=10,
    )
    assert grant.status_code == 200, grant.text

    dialog.get_by_role("button", name="I have copied the token").click()
    dialog.wait_for(state="detached")
    eu.locator("[data-token-hint]").wait_for()
    assert token not in everything_the_page_holds(page)
    assert token not in heap_strings(page)

    # After a reload: the hint only.
    page.reload()
    eu.locator("[data-token-hint]").wait_for()
    assert eu.locator("[data-token-hint]").get_attribute("data-token-hint") == token[-4:]
    assert eu.get_by_role("button", name="Generate credentials").count() == 0
    assert token not in everything_the_page_holds(page)
    screenshot(page, "registries-page")
    assert_accessible(page, "registries-page")
    watched.assert_clean()


def test_rotation_remove_asks_first_and_audit_shows_what_happened(
    watched: Watched, web_service: Service
):
    """The product page's rotation: add a fresh Nodion registry, remove the old one."""
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Rotated")
    us = page.locator(f"li.registry[data-hostname='{REGIONS['us-east']}']")
    old_id = us.get_attribute("data-registry-id")
    old = page.locator(f"li.registry[data-registry-id='{old_id}']")

    # The region's only Nodion registry: Remove is disabled, the reason beside it
    # (it used to be refused only after the confirm dialog).
    remove = old.get_by_role("button", name="Remove")
    assert remove.is_disabled()
    reason = old.locator(f"[id='{remove.get_attribute('aria-describedby')}']")
    assert "only Nodion registry of us-east" in reason.inner_text()
    assert old.count() == 1

    page.get_by_role("button", name="Add registry").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Provider").select_option("NODION")
    assert not dialog.get_by_label("Hostname").is_visible()
    dialog.get_by_label("Region").select_option("us-east")
    dialog.get_by_role("button", name="Add registry").click()
    dialog.wait_for(state="detached")
    us.nth(1).wait_for()

    old.get_by_role("button", name="Remove").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    old.get_by_role("button", name="Remove").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove registry").click()
    old.wait_for(state="detached")
    assert us.count() == 1
    assert us.filter(has_text="Default").count() == 1

    page.get_by_role("link", name="Activity").click()
    rows = page.locator("table tbody tr")
    rows.filter(has_text="registry.removed").wait_for()
    assert rows.filter(has_text="project.created").count() == 1
    screenshot(page, "activity")
    assert_accessible(page, "activity")
    watched.assert_clean()


def test_update_credentials_verify_and_check_image(watched: Watched, web_service: Service):
    """On a CUSTOM registry saved unchecked at a loopback address: every check
    is refused by the SSRF guard before any connection, and the page says so."""
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Checked")
    page.get_by_role("button", name="Add registry").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Provider").select_option("CUSTOM")
    dialog.get_by_label("Hostname").fill(f"127.0.0.1:{free_port()}")
    dialog.get_by_label("Check the registry").uncheck()
    dialog.get_by_role("button", name="Add registry").click()
    custom = page.locator("li.registry[data-type=CUSTOM]")
    custom.wait_for()
    assert "None: public images are pulled anonymously" in custom.inner_text()

    custom.get_by_role("button", name="Update credentials").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Username").fill("ci")
    dialog.get_by_label("New access token or password").fill("write-only-xyz1")
    dialog.get_by_label("Check the new credentials").uncheck()
    dialog.get_by_role("button", name="Save credentials").click()
    custom.locator("[data-token-hint=xyz1]").wait_for()
    assert "write-only-xyz1" not in everything_the_page_holds(page)

    custom.get_by_role("button", name="Verify").click()
    custom.locator("[data-status=BLOCKED]").wait_for()
    assert "loopback" in custom.locator(".verification-message").inner_text()

    custom.get_by_role("button", name="Check image").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Image").fill("team/app")
    dialog.get_by_role("button", name="Check").click()
    dialog.locator(".check-result [data-status=BLOCKED]").wait_for()
    dialog.get_by_role("button", name="Close", exact=True).click()
    dialog.wait_for(state="detached")
    watched.assert_clean()


def test_markup_in_a_name_is_shown_as_text(watched: Watched, web_service: Service):
    page = watched.page
    sign_in(page, web_service)
    name = '<img src=x onerror="window.__injected = 1">Shop'
    create_project(page, name)

    assert page.get_by_role("heading", name=name).count() == 1
    assert page.evaluate("window.__injected") is None
    assert page.locator("img[src=x]").count() == 0
    watched.assert_clean()


def test_the_dashboard_gets_every_operation_it_names_from_the_server(
    watched: Watched, web_service: Service
):
    """documents.js names operations; the server serves their text, from the
    files the CLI reads (tests/graphql/test_client_operations.py validates
    those against schema.graphql)."""
    page = watched.page
    page.goto(web_service.url + "/dashboard")
    served = page.evaluate(
        """async () => {
            const names = Object.values(await import("/dashboard/assets/documents.js"));
            const operations = await (await fetch("/dashboard/operations.json")).json();
            return Object.fromEntries(names.map((name) => [name, operations[name] ?? null]));
        }"""
    )
    assert len(served) >= 14
    for name, text in served.items():
        assert text == document(name), name
    watched.assert_clean()


def test_applications_create_with_the_regions_nodion_registry_and_deploy(
    watched: Watched, web_service: Service
):
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Apps")
    page.get_by_role("link", name="Applications").click()

    page.get_by_role("button", name="New application").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Create application").click()
    dialog.locator(".field[data-field=name]").get_by_role("alert").filter(
        has_text=re.compile(".+")
    ).wait_for()

    dialog.get_by_label("Name").fill("web")
    dialog.get_by_label("Region").select_option("eu-central")
    dialog.get_by_label("Strategy").select_option("PREBUILT_IMAGE")
    assert dialog.get_by_label("Registry").input_value() == ""  # the region's Nodion registry
    dialog.get_by_label("Image").fill("nginx")
    dialog.get_by_label("Tag").fill("1.25")
    dialog.get_by_role("button", name="Create application").click()
    dialog.wait_for(state="detached")

    card = page.locator("li.application").filter(has_text="web")
    card.wait_for()
    assert f"{REGIONS['eu-central']}/apps/nginx:1.25" in card.inner_text()
    assert "Not deployed yet" in card.inner_text()

    card.get_by_role("button", name="Deploy").click()
    card.locator("[data-status=PENDING]").wait_for()
    screenshot(page, "applications")
    assert_accessible(page, "applications")
    watched.assert_clean()


def test_a_fixed_hostname_provider_that_cannot_be_reached_is_a_banner_not_a_field_error(
    watched: Watched, web_service: Service
):
    """Tests never reach docker.io, so the service's answer to this one addRegistry is
    given by the test, in the shape the service gives it when Docker Hub cannot be
    reached (RegistryVerificationError, UNREACHABLE or TIMEOUT); everything else is
    the real service. The dashboard must not blame the locked hostname field."""
    page = watched.page
    sign_in(page, web_service)
    create_project(page, "Offline")
    sent: list[dict] = []

    def docker_hub_unreachable(route: Any) -> None:
        body = route.request.post_data_json or {}
        if "mutation AddRegistry" in body.get("query", ""):
            sent.append(body["variables"]["input"])
            status = "TIMEOUT" if len(sent) > 1 else "UNREACHABLE"
            answer = {
                "__typename": "RegistryVerificationError",
                "message": "Could not connect to docker.io: check the hostname and port.",
                "status": status,
            }
            route.fulfill(json={"data": {"addRegistry": answer}})
        else:
            route.fallback()

    page.route("**/graphql", docker_hub_unreachable)
    page.get_by_role("button", name="Add registry").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Provider").select_option("DOCKER_HUB")
    dialog.get_by_label("Username").fill("me")
    dialog.get_by_label("Access token or password").fill("dckr_pat_example")
    dialog.get_by_role("button", name="Add registry").click()

    banner = dialog.get_by_role("alert").filter(has_text="could not reach Docker Hub")
    banner.wait_for()
    assert "This is about the network, not about what you entered" in banner.inner_text()
    assert dialog.get_by_label("Hostname").get_attribute("aria-invalid") != "true"
    assert "check the hostname and port" not in dialog.inner_text()
    assert_accessible(page, "add-registry dialog, provider unreachable")

    dialog.get_by_role("button", name="Add registry").click()
    dialog.get_by_role("alert").filter(has_text="did not get an answer from Docker Hub").wait_for()
    assert [entry["verify"] for entry in sent] == [True, True]
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.locator("li.registry[data-type=DOCKER_HUB]").count() == 0
    watched.assert_clean()
