from __future__ import annotations

from tests.graphql_documents import create_project

PROJECTS_WITH_EVERYTHING = """{
  projects(first: 50) { edges { node {
    id name namespace viewerRole
    members { role user { email } }
    defaultRegistry(region: "eu-central") { id hostname }
    registries { id type name hostname region isDefault hasCredentials lastUsedAt
                 project { id name } }
    auditEvents(first: 5) { edges { node { action targetName } } pageInfo { hasNextPage } }
  } } }
}"""


async def queries_for(api, count_queries) -> tuple[int, int]:
    count_queries.queries.clear()
    data = await api(PROJECTS_WITH_EVERYTHING)
    return len(data["projects"]["edges"]), len(count_queries.queries)


async def test_listing_50_projects_costs_the_same_queries_as_listing_1(api, count_queries):
    await create_project(api, "first")
    projects_1, queries_1 = await queries_for(api, count_queries)
    for number in range(49):
        await create_project(api, f"project {number}")
    projects_50, queries_50 = await queries_for(api, count_queries)

    assert (projects_1, projects_50) == (1, 50)
    assert queries_50 == queries_1
    # auth lookup, the page of projects, roles, members, registries, and two
    # for the audit events of every project (ids ranked per project, then rows)
    assert queries_1 <= 7, count_queries.queries


async def test_audit_event_pages_are_each_projects_own(api):
    """The batched load gives every project its own newest page and cursor."""
    first = await create_project(api, "one")
    await create_project(api, "two")
    data = await api(
        """{ projects(first: 2) { edges { node { name
             auditEvents(first: 1) { edges { cursor node { action targetName } }
                                     pageInfo { hasNextPage } } } } } }"""
    )
    pages = {
        edge["node"]["name"]: edge["node"]["auditEvents"] for edge in data["projects"]["edges"]
    }
    assert pages["one"]["edges"][0]["node"] == {"action": "project.created", "targetName": "one"}
    assert pages["two"]["edges"][0]["node"]["targetName"] == "two"
    assert pages["one"]["pageInfo"]["hasNextPage"] is False
    assert first["name"] == "one"
