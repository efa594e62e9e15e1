"""setRetentionPolicy's globs: what could never match one of the project's
repositories is a ValidationError on `repositories`, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from app.registries.image_models import RetentionPolicy
from tests.graphql_documents import SET_RETENTION_POLICY, create_project, default_registry


async def set_policy(api, registry_id: str, globs: list[str]) -> dict:
    # json.dumps escapes a lone surrogate (\ud800), which httpx's encoder refuses.
    variables = {"input": {"registryId": registry_id, "keepLast": 1, "repositories": globs}}
    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": SET_RETENTION_POLICY, "variables": variables}),
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]["setRetentionPolicy"]


@pytest.mark.parametrize(
    "glob",
    [
        "other/*",  # another namespace: matched nothing, silently
        "web",  # names are full: `<namespace>/web`
        "{ns}",
        "\ud800",  # a lone surrogate: the JSON column's encoder raised (a 500)
        "{ns}/web\x00",
    ],
)
async def test_globs_that_match_none_of_the_project_s_repositories_are_refused(api, glob):
    project = await create_project(api, "Shop")
    registry = default_registry(project)

    refused = await set_policy(api, registry["id"], [glob.format(ns=project["namespace"])])

    assert refused["__typename"] == "ValidationError", refused
    assert f"{project['namespace']}/*" in refused["message"]
    assert await RetentionPolicy.all().count() == 0


async def test_globs_under_the_namespace_or_with_a_wildcard_first_are_kept(api):
    project = await create_project(api, "Shop")
    ns = project["namespace"]
    globs = [f"{ns}/*", f"{ns}/web-?", "*", "*/web", f"{ns[0]}*/api"]

    kept = await set_policy(api, default_registry(project)["id"], globs)

    assert kept["__typename"] == "SetRetentionPolicySuccess", kept
    assert kept["policy"]["repositories"] == globs
