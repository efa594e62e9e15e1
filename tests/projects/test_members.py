from __future__ import annotations

import asyncio

from app.projects.models import ProjectMember
from tests.graphql_documents import create_project

SET_MEMBER = """mutation($input: AddProjectMemberInput!) { addProjectMember(input: $input) {
  __typename ... on ProjectMembersChanged { project { members { role user { email } } } }
  ... on Error { message } ... on ValidationError { field } } }"""
REMOVE_MEMBER = """mutation($input: RemoveProjectMemberInput!) {
  removeProjectMember(input: $input) {
  __typename ... on ProjectMembersChanged { project { members { role user { email } } } }
  ... on Error { message } ... on ValidationError { field } } }"""


async def test_admin_adds_and_removes_members(api, make_api):
    project = await create_project(api)
    bob = await make_api("bob@example.com")

    added = await api(
        SET_MEMBER,
        {"input": {"projectId": project["id"], "email": "Bob@Example.com", "role": "VIEWER"}},
    )

    members = added["addProjectMember"]["project"]["members"]
    assert {m["user"]["email"]: m["role"] for m in members} == {
        "alice@example.com": "ADMIN",
        "bob@example.com": "VIEWER",
    }
    bob_sees = await bob("{ projects { edges { node { name viewerRole } } } }")
    assert bob_sees["projects"]["edges"] == [{"node": {"name": "Shop", "viewerRole": "VIEWER"}}]

    removed = await api(
        REMOVE_MEMBER, {"input": {"projectId": project["id"], "email": "bob@example.com"}}
    )

    assert removed["removeProjectMember"]["__typename"] == "ProjectMembersChanged"
    assert (await bob("{ projects { edges { node { name } } } }"))["projects"]["edges"] == []


async def test_the_last_admin_cannot_leave_or_be_demoted(api):
    project = await create_project(api)
    me = {"projectId": project["id"], "email": "alice@example.com"}

    removal = (await api(REMOVE_MEMBER, {"input": me}))["removeProjectMember"]
    demotion = (await api(SET_MEMBER, {"input": {**me, "role": "VIEWER"}}))["addProjectMember"]

    for result in (removal, demotion):
        assert result["__typename"] == "ConflictError"
        assert "at least one ADMIN" in result["message"]
    assert await ProjectMember.filter(role="ADMIN").count() == 1


async def test_non_admins_cannot_manage_members(api, make_api):
    project = await create_project(api)
    dev = await make_api("dev@example.com")
    await api(
        SET_MEMBER,
        {"input": {"projectId": project["id"], "email": "dev@example.com", "role": "DEVELOPER"}},
    )

    result = await dev(
        SET_MEMBER,
        {"input": {"projectId": project["id"], "email": "dev@example.com", "role": "ADMIN"}},
    )

    assert result["addProjectMember"]["__typename"] == "PermissionDeniedError"
    assert (await ProjectMember.get(user__email="dev@example.com")).role == "DEVELOPER"


async def test_unknown_people_are_not_found(api):
    project = await create_project(api)

    result = await api(
        SET_MEMBER,
        {"input": {"projectId": project["id"], "email": "nobody@example.com", "role": "VIEWER"}},
    )

    assert result["addProjectMember"]["__typename"] == "NotFoundError"
    assert "must sign up first" in result["addProjectMember"]["message"]


async def test_two_admins_removing_each_other_at_once_leave_one_admin(api, make_api):
    project = await create_project(api)
    bob = await make_api("bob@example.com")
    await api(
        SET_MEMBER,
        {"input": {"projectId": project["id"], "email": "bob@example.com", "role": "ADMIN"}},
    )

    results = await asyncio.gather(
        api(REMOVE_MEMBER, {"input": {"projectId": project["id"], "email": "bob@example.com"}}),
        bob(REMOVE_MEMBER, {"input": {"projectId": project["id"], "email": "alice@example.com"}}),
    )

    kinds = sorted(r["removeProjectMember"]["__typename"] for r in results)
    assert kinds in (
        ["ConflictError", "ProjectMembersChanged"],
        ["NotFoundError", "ProjectMembersChanged"],
    )
    assert await ProjectMember.filter(role="ADMIN").count() == 1
