"""A cost limit that multiplies page sizes through nested connections and lists
and adds up aliases (issue 10, case 7), and the one-operation rule (case 8)."""

from __future__ import annotations

import pytest

from tests.graphql_documents import create_project

COSTLY = (
    "{ "
    + " ".join(
        f"a{n}: projects(first: 100) {{ edges {{ node {{ auditEvents(first: 100) "
        "{ edges { node { action } } } } } }"
        for n in range(30)
    )
    + " }"
)


def assert_too_costly(body: dict, cost: int) -> None:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert f"up to {cost} objects" in error["message"]
    assert "the limit (max_query_cost, NODION_MAX_QUERY_COST) is 20000" in error["message"]
    assert body.get("data") is None


async def test_the_issue_query_is_refused_before_any_database_work(api, count_queries):
    await create_project(api)
    count_queries.queries.clear()

    body = await api.raw(COSTLY)

    assert_too_costly(body, 30 * (100 + 100 * 100))
    # Refused before any work: only the bearer token lookup ran, no project or
    # audit row was read (what a clock would only hint at, the queries show).
    assert count_queries.queries, "the counter saw the token lookup"
    assert all('FROM "api_tokens"' in q for q in count_queries.queries), count_queries.queries


async def test_page_sizes_in_variables_count(api):
    query = """query($p: Int, $e: Int) { projects(first: $p) { edges { node {
        registries { project { auditEvents(first: $e) { edges { node { action } } } } }
    } } } }"""

    refused = await api.raw(query, {"p": 100, "e": 100})
    allowed = await api.raw(query, {"p": 100, "e": 5})

    # 100 projects, 10 registries each (estimated), 100 events per registry's project.
    assert_too_costly(refused, 100 + 1000 + 100_000)
    assert not allowed.get("errors")


async def test_default_page_size_and_plain_lists_multiply(api):
    # projects: 20 (default page) x registries (estimated 10) x members (10) ...
    query = "{ projects { edges { node { registries { project { members { role } } } } } } }"

    body = await api.raw(query)

    # 20 projects + 200 registries + 2000 members: under the limit, and answered.
    assert not body.get("errors")


async def test_fragments_and_aliases_are_counted(api):
    fragment = "fragment P on Project { auditEvents(first: 100) { edges { node { action } } } }"
    spreads = " ".join(
        f"a{n}: projects(first: 50) {{ edges {{ node {{ ...P }} }} }}" for n in range(5)
    )

    body = await api.raw(f"{{ {spreads} }} {fragment}")

    assert_too_costly(body, 5 * (50 + 50 * 100))


@pytest.mark.parametrize("operation_name", [None, "Second"])
async def test_two_operations_need_an_operation_name(api, operation_name):
    document = "query First { viewer { email } } query Second { __typename }"
    payload: dict = {"query": document}
    if operation_name:
        payload["operationName"] = operation_name

    response = await api.http.post(
        "/graphql", json=payload, headers={"Authorization": f"Bearer {api.token}"}
    )

    body = response.json()
    if operation_name is None:
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "2 operations" in body["errors"][0]["message"]
        assert "operationName" in body["errors"][0]["message"]
        assert body.get("data") is None
    else:
        assert body == {"data": {"__typename": "Query"}}
