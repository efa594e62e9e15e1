"""The CLI's one rule for references (app/cli/resolve.py), for every kind:
by ID, else exact name and handle at once (then folded for case); a reference
that fits two objects is refused with exit code 8, naming each and its ID.
In process, against canned API answers: the rule is the client's own."""

from __future__ import annotations

import base64
from typing import Any

import pytest

import tests.cli.test_reference_resolution as tests_module
from app.cli import operations
from app.cli.errors import CliError, ExitCode
from app.cli.registry_tokens import _token_id
from app.cli.resolve import (
    PUBLISHER,
    application_id,
    child_id,
    find_project,
    project_id,
    registry_id,
)


def gid(type_name: str, number: int) -> str:
    return base64.b64encode(f"{type_name}:{number}".encode()).decode()


EU = "registry.eu-central.nodion.net"
PROJECTS = [
    {"id": gid("Project", 1), "name": "Alpha", "namespace": "beta"},
    {"id": gid("Project", 2), "name": "beta", "namespace": "beta-2"},
    {"id": gid("Project", 3), "name": "Shop", "namespace": "shop"},
]
REGISTRIES = {
    gid("Project", 1): [
        {"id": gid("Registry", 1), "name": "Nodion eu-central", "hostname": EU},
        # A custom registry named like the other's hostname.
        {"id": gid("Registry", 2), "name": EU, "hostname": "mirror.example.com"},
    ],
    gid("Project", 2): [{"id": gid("Registry", 3), "name": "Nodion eu-central", "hostname": EU}],
    gid("Project", 3): [
        {"id": gid("Registry", 4), "name": "Docker Hub", "hostname": "docker.io"},
    ],
}
APPLICATIONS = {
    gid("Project", 1): [{"id": gid("Application", 1), "name": "web"}],
    gid("Project", 2): [{"id": gid("Application", 2), "name": "web"}],
    gid("Project", 3): [{"id": gid("Application", 3), "name": "shop-api"}],
}
TOKENS = {
    gid("Registry", 4): [
        {"id": gid("RegistryToken", 1), "name": "deploys"},
        {"id": gid("RegistryToken", 2), "name": "ci"},
    ],
    gid("Registry", 3): [{"id": gid("RegistryToken", 3), "name": "deploys"}],
}


class CannedApi:
    """What the API answers the CLI's operations, one page each."""

    def execute(self, operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        if operation in (
            operations.PROJECTS,
            operations.PROJECTS_WITH_REGISTRIES,
            operations.PROJECTS_WITH_APPLICATIONS,
        ):
            nodes = [
                {**p, "registries": REGISTRIES[p["id"]], "applications": APPLICATIONS[p["id"]]}
                for p in PROJECTS
            ]
            return {
                "projects": {
                    "edges": [{"node": node} for node in nodes],
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                }
            }
        if operation == operations.REGISTRY_TOKENS:
            rows = TOKENS.get(variables["id"], [])
            connection = {
                "edges": [{"node": row} for row in rows],
                "pageInfo": {"hasNextPage": False, "endCursor": None},
            }
            return {"node": {"tokens": connection}}
        if operation == operations.REGISTRY_TOKEN:
            for registry, rows in TOKENS.items():
                for row in rows:
                    if row["id"] == variables["id"]:
                        return {"node": {**row, "registry": {"id": registry}}}
            return {"node": None}
        raise AssertionError(f"unexpected operation {operation}")


API: Any = CannedApi()


def refused(call: Any, *args: Any) -> CliError:
    with pytest.raises(CliError) as caught:
        call(*args)
    return caught.value


def test_a_project_by_id_name_or_namespace():
    assert project_id(API, gid("Project", 2)) == gid("Project", 2)  # an ID is taken as is
    assert project_id(API, "Shop") == gid("Project", 3)  # name (and namespace: same project)
    assert project_id(API, "shop") == gid("Project", 3)
    assert project_id(API, "beta-2") == gid("Project", 2)  # namespace only
    assert project_id(API, "ALPHA") == gid("Project", 1)  # nothing exact: folded for case
    assert find_project(API, gid("Project", 3))["name"] == "Shop"


def test_a_project_name_that_is_another_projects_namespace_is_refused():
    error = refused(project_id, API, "beta")

    assert error.code == ExitCode.AMBIGUOUS == 8
    assert "\n" not in error.message
    assert error.message.startswith("'beta' fits 2 projects: ")
    assert f"Alpha (namespace beta): ID {gid('Project', 1)}" in error.message
    assert f"beta (name beta): ID {gid('Project', 2)}" in error.message
    assert error.message.endswith("Name the one you mean by its ID.")
    assert refused(find_project, API, "beta").code == ExitCode.AMBIGUOUS


def test_a_project_named_like_another_projects_id_is_refused_not_the_id_taken(monkeypatch):
    """A member may name a shared project after the ID of another project the
    user can see (IDs are sequential): `projects delete <that name> --yes`
    deleted the project with that ID, which the user never named."""
    shared = {"id": gid("Project", 7), "name": gid("Project", 3), "namespace": "mallory"}
    monkeypatch.setattr(tests_module, "PROJECTS", [*PROJECTS, shared])
    monkeypatch.setitem(REGISTRIES, shared["id"], [])
    monkeypatch.setitem(APPLICATIONS, shared["id"], [])

    error = refused(find_project, API, gid("Project", 3))

    assert error.code == ExitCode.AMBIGUOUS
    assert "\n" not in error.message
    assert "Shop (namespace shop)" in error.message
    assert f"ID {gid('Project', 7)}" in error.message
    assert find_project(API, "shop")["id"] == gid("Project", 3)  # its namespace names it
    assert find_project(API, gid("Project", 7))["id"] == gid("Project", 7)


def test_unknown_references_are_not_found():
    assert refused(project_id, API, "nope").code == ExitCode.NOT_FOUND
    assert refused(registry_id, API, "nope", None).code == ExitCode.NOT_FOUND
    assert refused(application_id, API, "nope", None).code == ExitCode.NOT_FOUND
    missing = refused(find_project, API, gid("Project", 99))
    assert missing.code == ExitCode.NOT_FOUND


def test_a_registry_by_name_or_hostname_within_a_project_or_across():
    assert registry_id(API, gid("Registry", 3), None) == gid("Registry", 3)
    assert registry_id(API, "Docker Hub", None) == gid("Registry", 4)
    assert registry_id(API, "docker.io", "shop") == gid("Registry", 4)
    assert registry_id(API, EU, "beta-2") == gid("Registry", 3)
    # In one project: one registry's hostname is the other's name.
    within = refused(registry_id, API, EU, gid("Project", 1))
    assert within.code == ExitCode.AMBIGUOUS
    assert f"(hostname {EU}, project Alpha): ID {gid('Registry', 1)}" in within.message
    assert f"(name {EU}, project Alpha): ID {gid('Registry', 2)}" in within.message
    # Across projects: the region's hostname is every project's.
    across = refused(registry_id, API, "Nodion eu-central", None)
    assert across.code == ExitCode.AMBIGUOUS
    assert "fits 2 registries" in across.message
    # `--project` itself follows the rule.
    assert refused(registry_id, API, EU, "beta").code == ExitCode.AMBIGUOUS


def test_an_application_by_name_within_a_project_or_across():
    assert application_id(API, gid("Application", 2), None) == gid("Application", 2)
    assert application_id(API, "shop-api", None) == gid("Application", 3)
    assert application_id(API, "web", "beta-2") == gid("Application", 2)
    both = refused(application_id, API, "web", None)
    assert both.code == ExitCode.AMBIGUOUS
    assert "project Alpha" in both.message and "project beta" in both.message


def test_a_token_by_id_or_name_within_its_registry():
    registry = gid("Registry", 4)
    assert _token_id(API, registry, "deploys") == gid("RegistryToken", 1)
    assert _token_id(API, registry, gid("RegistryToken", 2)) == gid("RegistryToken", 2)
    # Another registry's token, by ID or by its name, is not this registry's.
    assert refused(_token_id, API, registry, gid("RegistryToken", 3)).code == ExitCode.NOT_FOUND
    assert refused(_token_id, API, gid("Registry", 1), "deploys").code == ExitCode.NOT_FOUND


def test_a_publisher_by_id_within_its_registry():
    publishers = [{"id": gid("TrustedPublisher", 1), "name": None}]
    found = child_id(gid("TrustedPublisher", 1), PUBLISHER, publishers, "the registry")

    assert found == gid("TrustedPublisher", 1)
    other = refused(child_id, gid("TrustedPublisher", 2), PUBLISHER, publishers, "the registry")
    assert other.code == ExitCode.NOT_FOUND
    named = refused(child_id, "github", PUBLISHER, publishers, "the registry")
    assert named.code == ExitCode.NOT_FOUND
    assert "give its ID" in named.message
