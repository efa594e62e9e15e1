"""A trusted publisher's repository patterns are repository names with `*`:
a path that walks out of the namespace or has an empty segment is refused
(issue 30: `shop/../shopx/*` was accepted)."""

from __future__ import annotations

import pytest

from tests.graphql_documents import create_project, default_registry
from tests.registries.publishers import TRUSTED_PUBLISHERS, add_publisher


@pytest.fixture
async def registry(api) -> tuple[dict, dict]:
    project = await create_project(api, "Shop")
    return project, default_registry(project)


@pytest.mark.parametrize(
    "pattern",
    [
        "{ns}/../shopx/*",
        "{ns}//app",
        "{ns}/app/",
        "{ns}/./app",
        "{ns}/a..b",
        "{ns}/app/..",
        "{ns}/-a",
    ],
)
async def test_a_pattern_that_is_no_repository_name_is_refused(api, registry, pattern):
    project, nodion = registry
    value = pattern.format(ns=project["namespace"])

    refused = await add_publisher(
        api, nodion["id"], "GITHUB_ACTIONS", repository="octo/app", repositories=[value]
    )

    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == "repositories"
    assert repr(value) in refused["message"]
    assert (await api(TRUSTED_PUBLISHERS, {"id": nodion["id"]}))["node"]["trustedPublishers"] == []


@pytest.mark.parametrize("pattern", ["{ns}/*", "{ns}/app-*", "{ns}/team/*/web", "{ns}/a.b_c"])
async def test_globs_of_repository_names_are_accepted(api, registry, pattern):
    project, nodion = registry
    value = pattern.format(ns=project["namespace"])

    added = await add_publisher(
        api, nodion["id"], "GITHUB_ACTIONS", repository="octo/app", repositories=[value]
    )

    assert added["publisher"]["repositories"] == [value], added
