"""The HTML pages and assets as HTTP sees them: same-origin assets with
matching integrity values, the security headers, and the GraphiQL setting."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.operations import document, operation_names
from app.security.keys import ServiceKeys
from app.settings import Settings

HTML = {"Accept": "text/html"}
ASSET = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"[^>]*>')
INTEGRITY = re.compile(r'integrity="([^"]+)"')


def app_client(settings: Settings, keys: ServiceKeys) -> httpx.AsyncClient:
    app = create_app(settings, keys, manage_database=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def web(tmp_path: Path, keys: ServiceKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(Settings(data_dir=tmp_path), keys) as http:
        yield http


def assert_page_policy(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/graphql", "/dashboard"])
async def test_pages_load_only_same_origin_assets(web: httpx.AsyncClient, path: str):
    page = await web.get(path, headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert_page_policy(page)
    # No inline script and no inline event handler: the policy would refuse them.
    assert "<script>" not in page.text
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page.text)

    tags = ASSET.findall(page.text)
    assert tags, "the page loads its scripts and styles"
    for url in tags:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = await web.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["x-content-type-options"] == "nosniff"


async def test_graphiql_integrity_values_match_the_assets_served(web: httpx.AsyncClient):
    """Only GraphiQL's page carries integrity values (for its vendored bundles). The
    dashboard's has none to check: its entry is an ES module that imports the rest
    by URL, which an integrity value on the entry would not cover; its modules are
    same-origin and revalidated (no-cache), as the test above and
    test_dashboard_modules_are_javascript show."""
    page = await web.get("/graphql", headers=HTML)
    checked = 0
    for tag in re.findall(r"<(?:script|link)\b[^>]*>", page.text):
        if 'rel="icon"' in tag:
            continue  # an image, not code: nothing runs or styles the page from it
        match = INTEGRITY.search(tag)
        assert match, f"a script or stylesheet without integrity: {tag}"
        [url] = ASSET.findall(tag)
        body = (await web.get(url)).content
        expected = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
        assert match.group(1) == expected, url
        checked += 1
    assert checked > 0, "no integrity value was checked"


async def test_graphiql_scripts_all_carry_integrity(web: httpx.AsyncClient):
    page = await web.get("/graphql", headers=HTML)
    scripts = re.findall(r"<script\b[^>]*>", page.text)
    assert len(scripts) == 5
    assert all("integrity=" in tag and 'src="/static/' in tag for tag in scripts)
    assert "unpkg" not in page.text and "https://" not in page.text


async def test_root_leads_to_the_dashboard_and_json_gets_strict_headers(web: httpx.AsyncClient):
    root = await web.get("/")
    health = await web.get("/healthz")

    assert root.status_code == 307 and root.headers["location"] == "/dashboard"
    assert health.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert health.headers["x-content-type-options"] == "nosniff"
    assert health.headers["referrer-policy"] == "no-referrer"


async def test_dashboard_modules_are_javascript(web: httpx.AsyncClient):
    main = await web.get("/dashboard/assets/main.js")
    again = await web.get(
        "/dashboard/assets/main.js", headers={"If-None-Match": main.headers["etag"]}
    )
    assert main.status_code == 200 and main.headers["cache-control"] == "no-cache"
    assert again.status_code == 304
    assert main.headers["content-type"].split(";")[0] in (
        "text/javascript",
        "application/javascript",
    )


async def test_the_dashboard_gets_every_client_operation_as_one_json_document(
    web: httpx.AsyncClient,
):
    served = await web.get("/dashboard/operations.json")
    again = await web.get(
        "/dashboard/operations.json", headers={"If-None-Match": served.headers["etag"]}
    )

    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    assert served.json() == {name: document(name) for name in operation_names()}
    assert served.headers["cache-control"] == "no-cache"
    assert served.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("environment", "graphiql", "served"),
    [
        ("development", None, True),
        ("production", None, False),
        ("development", False, False),
        ("production", True, True),
    ],
)
async def test_graphiql_setting(
    tmp_path: Path, keys: ServiceKeys, environment: str, graphiql: bool | None, served: bool
):
    settings = Settings(data_dir=tmp_path, environment=environment, graphiql=graphiql)
    async with app_client(settings, keys) as http:
        response = await http.get("/graphql", headers=HTML)
    if served:
        assert response.status_code == 200 and "graphiql.min.js" in response.text
    else:
        assert response.status_code == 404
        assert "NODION_GRAPHIQL" in response.json()["message"]


def test_graphiql_setting_reads_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NODION_ENVIRONMENT", "production")
    assert Settings().graphiql_enabled is False
    monkeypatch.setenv("NODION_GRAPHIQL", "true")
    assert Settings().graphiql_enabled is True


async def test_assets_are_sent_gzipped(web: httpx.AsyncClient):
    bundle = "/static/vendor/graphiql/graphiql.min.js"
    async with web.stream("GET", bundle, headers={"Accept-Encoding": "gzip"}) as response:
        wire = b"".join([chunk async for chunk in response.aiter_raw()])
    plain = await web.get(bundle, headers={"Accept-Encoding": "identity"})

    assert response.headers["content-encoding"] == "gzip"
    assert len(wire) < len(plain.content) / 3
