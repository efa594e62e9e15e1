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


PROJECT_PAGE = """query ($id: ID!) { project(id: $id) { id name
  registries { id type name hasCredentials }
  applications { id name deployments(first: 1) { edges { node { id status } } } }
  auditEvents(first: 20) { edges { node { action } } pageInfo { hasNextPage } }
  registryAdded: auditEvents(first: 20, action: "registry.added") { edges { node { action } } }
} }"""


async def add_history(project_id: int, applications: int, deployments: int, events: int) -> None:
    from app.applications.models import Application, Deployment, Strategy
    from app.audit.models import AuditEvent
    from app.registries.models import Registry

    registry = await Registry.filter(project_id=project_id).first()
    assert registry is not None
    for number in range(applications):
        application = await Application.create(
            project_id=project_id,
            name=f"app-{number}",
            region="eu-central",
            strategy=Strategy.DOCKERFILE,
            registry=registry,
            image=f"x/app-{number}",
        )
        await Deployment.bulk_create(
            Deployment(
                application=application,
                project_id=project_id,
                region="eu-central",
                strategy=Strategy.DOCKERFILE,
                registry=registry,
                image_reference="h/x:latest",
                repository="x",
            )
            for _ in range(deployments)
        )
    await AuditEvent.bulk_create(
        AuditEvent(
            project_id=project_id,
            action="registry.added" if number % 7 == 0 else "deployment.created",
            target_type="Deployment",
            target_id=number,
            target_name="d",
        )
        for number in range(events)
    )


async def test_a_project_page_costs_the_same_statements_with_a_long_history(api, count_queries):
    """Registries, applications with their last deployment, 20 events, 20 of one
    action: as many statements for a year-old project as for a new one."""
    from app.graphql.core.ids import node_id_of

    new, old = await create_project(api, "new"), await create_project(api, "old")
    await add_history(node_id_of(new["id"], "Project"), applications=1, deployments=1, events=1)
    await add_history(node_id_of(old["id"], "Project"), applications=6, deployments=40, events=500)

    counts = []
    for project in (new, old, new):
        await api(PROJECT_PAGE, {"id": project["id"]})  # lastUsedAt of the token: not counted
        count_queries.queries.clear()
        data = await api(PROJECT_PAGE, {"id": project["id"]})
        counts.append(len(count_queries.queries))
        assert data["project"]["name"] == project["name"]
    assert len(data["project"]["applications"]) == 1
    assert counts[0] == counts[1] == counts[2], count_queries.queries
    old_page = (await api(PROJECT_PAGE, {"id": old["id"]}))["project"]
    assert len(old_page["applications"]) == 6
    assert all(len(a["deployments"]["edges"]) == 1 for a in old_page["applications"])
    assert len(old_page["auditEvents"]["edges"]) == 20
    assert {e["node"]["action"] for e in old_page["registryAdded"]["edges"]} == {"registry.added"}
    assert len(old_page["registryAdded"]["edges"]) == 20
