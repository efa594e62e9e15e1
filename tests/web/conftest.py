"""A real service under uvicorn and Debian's chromium driven by playwright,
one of each per test module; every test gets a fresh browser context whose
network is limited to the service's own origin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import require_or_skip
from tests.servers import Service, running_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT_DIR_VARIABLE = "NODION_SCREENSHOT_DIR"


@pytest.fixture(scope="module")
def web_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data = tmp_path_factory.mktemp("web-service")
    with running_service(data, f"sqlite://{data / 'nodion.sqlite3'}") as service:
        yield service


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        require_or_skip(
            "NODION_REQUIRE_E2E", "browser tests need chromium: apt-get install chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watched:
    """A page whose foreign requests are blocked and recorded, and whose console
    errors and uncaught exceptions are recorded; `assert_clean()` fails on any."""

    page: Any
    origin: str
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.foreign_requests == [], "requests to other hosts"
        assert self.console_errors == [], "console errors"


@pytest.fixture
def watched(browser: Any, web_service: Service) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    origin = urlsplit(web_service.url).netloc
    result = Watched(page, web_service.url)

    def only_own_origin(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == origin:
            route.continue_()
        else:
            result.foreign_requests.append(url)
            route.abort()

    context.route("**/*", only_own_origin)
    page.on(
        "console",
        lambda message: (
            result.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: result.console_errors.append(f"uncaught: {error}"))
    try:
        yield result
    finally:
        context.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    """Saved only when NODION_SCREENSHOT_DIR is set (to look at the pages)."""
    folder = os.environ.get(SCREENSHOT_DIR_VARIABLE)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
