from __future__ import annotations

from tests.graphql_documents import ADD_REGISTRY, create_project

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


DASHBOARD_LIST = """{
  projects(first: 50) { edges { node {
    id name namespace
    registries { id type name hostname region isDefault hasCredentials }
  } } }
}"""

WITH_MEMBERS_AND_EVENTS = """{
  projects(first: 50) { edges { node {
    id name namespace
    registries { id type name hostname region isDefault hasCredentials }
    members { role user { email } }
    auditEvents(first: 5) { edges { node { action targetName } } pageInfo { hasNextPage } }
  } } }
}"""


async def statements_for(api, count_queries, query: str) -> list[str]:
    await api(query)  # the viewer's token gets its lastUsedAt now, not in the count
    count_queries.queries.clear()
    data = await api(query)
    assert len(data["projects"]["edges"]) == 50
    return list(count_queries.queries)


async def test_the_dashboard_list_is_three_selects(api, count_queries):
    for number in range(50):
        await create_project(api, f"project {number}")

    statements = await statements_for(api, count_queries, DASHBOARD_LIST)

    # the viewer's token, the page of projects, their registries
    assert [s.split()[0].upper() for s in statements] == ["SELECT"] * 3, statements


async def test_members_and_audit_events_add_constant_selects(api, count_queries):
    busy = await create_project(api, "busy")
    for _ in range(6):  # 7 events: project.created and 6 x registry.added
        added = await api(
            ADD_REGISTRY,
            {"input": {"projectId": busy["id"], "type": "NODION", "region": "us-east"}},
        )
        assert added["addRegistry"]["__typename"] == "AddRegistrySuccess"
    for number in range(49):
        await create_project(api, f"project {number}")

    plain = await statements_for(api, count_queries, DASHBOARD_LIST)
    with_more = await statements_for(api, count_queries, WITH_MEMBERS_AND_EVENTS)

    # members: one; audit events: two (ids ranked per project, then the rows)
    assert len(with_more) == len(plain) + 3, with_more
    # Each project gets its own newest events, however many the others have.
    data = await api(WITH_MEMBERS_AND_EVENTS)
    for edge in data["projects"]["edges"]:
        node = edge["node"]
        events = node["auditEvents"]
        actions = [event["node"]["action"] for event in events["edges"]]
        assert node["members"] == [{"role": "ADMIN", "user": {"email": "alice@example.com"}}]
        if node["name"] == "busy":
            assert actions == ["registry.added"] * 5
            assert events["pageInfo"]["hasNextPage"] is True
        else:
            assert actions == ["project.created"]
            assert events["edges"][0]["node"]["targetName"] == node["name"]
            assert events["pageInfo"]["hasNextPage"] is False


async def test_audit_events_page_on_from_a_cursor(api):
    busy = await create_project(api, "busy")
    for _ in range(6):
        await api(
            ADD_REGISTRY,
            {"input": {"projectId": busy["id"], "type": "NODION", "region": "us-east"}},
        )
    query = """query($id: ID!, $after: String) { project(id: $id) {
        auditEvents(first: 5, after: $after) {
          edges { node { action } } pageInfo { hasNextPage endCursor } } } }"""

    first = (await api(query, {"id": busy["id"]}))["project"]["auditEvents"]
    rest = await api(query, {"id": busy["id"], "after": first["pageInfo"]["endCursor"]})
    rest = rest["project"]["auditEvents"]

    assert [e["node"]["action"] for e in rest["edges"]] == ["registry.added", "project.created"]
    assert rest["pageInfo"]["hasNextPage"] is False
