"""A list resolves its items without an await each: the asyncio tasks a list
request creates do not grow with the number of projects and registries in it.
(graphql-core gathers awaitable list items in one task each; ORM rows are
awaitable, and async per-item resolvers are too.)"""

from __future__ import annotations

import asyncio

import pytest

from app.api.schema import schema
from tests.graphql.test_query_count import DASHBOARD_LIST
from tests.graphql_documents import create_project

DEFAULT_REGISTRIES = """{ projects(first: 50) { edges { node {
  defaultRegistry(region: "eu-central") { id hostname } } } } }"""


class TaskCounter:
    def __init__(self) -> None:
        self.created = 0

    def __call__(self, loop, coro, **kwargs):
        self.created += 1
        return asyncio.Task(coro, loop=loop, **kwargs)


async def tasks_for(api, query: str, expected_projects: int) -> int:
    loop = asyncio.get_running_loop()
    counter = TaskCounter()
    loop.set_task_factory(counter)
    try:
        data = await api(query)
    finally:
        loop.set_task_factory(None)
    assert len(data["projects"]["edges"]) == expected_projects
    return counter.created


@pytest.mark.fast_path_only
async def test_list_requests_create_as_many_tasks_for_50_projects_as_for_1(api):
    await create_project(api, "first")
    one = [await tasks_for(api, q, 1) for q in (DASHBOARD_LIST, DEFAULT_REGISTRIES)]
    for number in range(49):
        await create_project(api, f"project {number}")
    fifty = [await tasks_for(api, q, 50) for q in (DASHBOARD_LIST, DEFAULT_REGISTRIES)]

    assert fifty == one


def test_project_registry_fields_are_not_async_resolvers():
    # They find the rows the list loaded for its page (Domain.project_page_loads).
    project = schema.get_type_by_name("Project")
    fields = {field.name: field for field in project.fields}
    assert not fields["registries"].is_async
    assert not fields["default_registry"].is_async
