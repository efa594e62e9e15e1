"""Issue 23, items 1 and 7: one name means one project of yours, and namespaces
read like the name in any script (or are chosen)."""

from __future__ import annotations

import asyncio

import pytest

from app.projects.models import Project

CREATE = """
mutation($name: String!, $namespace: String) {
  createProject(input: {name: $name, namespace: $namespace}) {
    __typename
    ... on CreateProjectSuccess { notice project { id name namespace } }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""


async def create(api, name: str, namespace: str | None = None) -> dict:
    return (await api(CREATE, {"name": name, "namespace": namespace}))["createProject"]


FULL_WIDTH_SHOP = "\uff33\uff48\uff4f\uff50"  # the same name after NFKC


@pytest.mark.parametrize("again", ["Shop", "shop", " SHOP ", FULL_WIDTH_SHOP])
async def test_a_second_project_with_the_same_name_is_refused(api, again):
    first = await create(api, "Shop")

    second = await create(api, again)

    assert second["__typename"] == "ValidationError", second
    assert second["field"] == "name"
    assert "'Shop'" in second["message"] and first["project"]["namespace"] in second["message"]
    assert await Project.all().count() == 1


async def test_the_same_name_is_fine_for_another_user(api, make_api):
    await create(api, "Shop")

    other = await create(await make_api("bob@example.com"), "Shop")

    assert other["__typename"] == "CreateProjectSuccess"


async def test_racing_creates_of_one_name_make_one_project(api):
    results = await asyncio.gather(*(create(api, "Race") for _ in range(4)))

    kinds = sorted(result["__typename"] for result in results)
    assert kinds.count("CreateProjectSuccess") == 1, results
    assert set(kinds) == {"CreateProjectSuccess", "ValidationError"}
    assert await Project.filter(name="Race").count() == 1


@pytest.mark.parametrize(
    ("name", "namespace"),
    [
        ("Café Crème", "cafe-creme"),
        ("Café Ünïcødé", "cafe-unicode"),
        ("Straße Łódź", "strasse-lodz"),
        ("Æbleskiver Ørsted", "aebleskiver-orsted"),
        ("Þórr", "thorr"),
    ],
)
async def test_latin_names_are_transliterated(api, name, namespace):
    result = await create(api, name)

    assert result["project"]["namespace"] == namespace
    assert result["notice"] is None


async def test_a_name_without_latin_letters_gets_a_readable_namespace_and_a_notice(api):
    result = await create(api, "日本語")

    namespace = result["project"]["namespace"]
    assert namespace.startswith("project-") and len(namespace) == len("project-") + 6
    assert namespace in result["notice"] and "namespace" in result["notice"]


async def test_a_chosen_namespace_is_used(api):
    result = await create(api, "日本語", namespace="nihongo")

    assert result["project"]["namespace"] == "nihongo"
    assert result["notice"] is None


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ("Has Spaces", "lower-case letters"),
        ("-shop", "lower-case letters"),
        ("library", "reserved"),
        ("taken", "taken"),
    ],
)
async def test_a_bad_chosen_namespace_is_refused(api, make_api, namespace, message):
    await create(await make_api("bob@example.com"), "Bob's", namespace="taken")

    result = await create(api, "Mine", namespace=namespace)

    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "namespace"
    assert message in result["message"]


async def test_a_name_that_spells_a_reserved_word_gets_a_suffix(api):
    result = await create(api, "Library")

    assert result["project"]["namespace"].startswith("library-")
