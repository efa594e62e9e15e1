"""The GraphQL rows of the isolation matrix: for every query and mutation
field, what Mallory tries against Alice's objects and what she must be
answered (tests/security/test_tenant_isolation.py runs them; a field of the
schema without its entry here fails that test)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.security.tenants import REGION, Tenants

# The answers that refuse without telling whether the object exists.
REFUSALS = {"NotFoundError", "ValidationError"}
SCHEMA_FIELDS = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"


@dataclass
class Attempt:
    label: str
    document: str
    variables: dict[str, Any]
    expect: str = "refused"  # refused | null | answered | under-own-namespace


Cases = Callable[[Tenants], list[Attempt]]
ERROR_FIELDS = "__typename ... on Error { message }"


def each_id(t: Tenants, document: str, make: Callable[[str], dict[str, Any]]) -> list[Attempt]:
    """The attempt with every global ID of Alice's, whatever its type: an ID of
    another type is as unknown as another tenant's."""
    return [
        Attempt(f"{label} {value}", document, make(value))
        for label, value in t.alice.global_ids().items()
    ]


def mutation(name: str, arguments: str, declared: str) -> str:
    return f"mutation({declared}) {{ {name}({arguments}) {{ {ERROR_FIELDS} }} }}"


def by_input(name: str, input_type: str) -> str:
    return mutation(name, "input: $input", f"$input: {input_type}!")


def by_id(name: str, argument: str) -> str:
    return mutation(name, f"{argument}: $id", "$id: ID!")


def query_cases(t: Tenants, walk: str) -> dict[str, list[Attempt]]:
    """`walk`: a query of every field reachable from Query (tests/graphql/test_no_leak.py)."""
    node = "query($id: ID!) { node(id: $id) { id __typename } }"
    project = "query($id: ID!) { project(id: $id) { id name namespace } }"
    check = """query($id: ID!, $image: String!) {
      checkImage(registryId: $id, image: $image, tag: "1") {
        __typename ... on ImageCheck { status digest message } ... on Error { message } } }"""
    return {
        "viewer": [Attempt("viewer", "{ viewer { id email createdAt } }", {}, "answered")],
        "node": [
            Attempt(a.label, node, a.variables, "null")
            for a in each_id(t, node, lambda i: {"id": i})
        ],
        # Every field of every object Mallory can reach, her projects' lists included.
        "projects": [Attempt("every field reachable from Query", walk, {}, "answered")],
        "project": [
            Attempt(a.label, project, a.variables, "null")
            for a in each_id(t, project, lambda i: {"id": i})
        ],
        "regions": [
            Attempt("regions", "{ regions { slug name registryHostname } }", {}, "answered")
        ],
        "checkImage": each_id(t, check, lambda i: {"id": i, "image": t.alice.image}),
        "registryProviders": [
            Attempt("providers", "{ registryProviders { type displayName } }", {}, "answered")
        ],
    }


def showing(document: str, success: str) -> str:
    """`document`, also asking what the application it made pulls."""
    also = f"__typename ... on {success} {{ application {{ imageReference }} }}"
    return document.replace("__typename", also, 1)


def mutation_cases(t: Tenants) -> dict[str, list[Attempt]]:
    alice, mallory = t.alice, t.mallory
    own_project = mallory.project["id"]
    own_registry = mallory.registries["NODION"]["id"]
    own_app = mallory.application["id"]
    app_input = {"name": "taken", "region": REGION, "strategy": "PREBUILT_IMAGE", "image": "web"}

    def inputs(name: str, input_type: str, make: Callable[[str], dict[str, Any]]) -> list[Attempt]:
        return each_id(t, by_input(name, input_type), lambda i: {"input": make(i)})

    create_project = by_input("createProject", "CreateProjectInput")
    create_application = by_input("createApplication", "CreateApplicationInput")
    update_application = by_input("updateApplication", "UpdateApplicationInput")
    add_publisher = by_input("addTrustedPublisher", "AddTrustedPublisherInput")
    delete_tag = by_input("deleteImageTag", "DeleteImageTagInput")
    retention = by_input("setRetentionPolicy", "SetRetentionPolicyInput")
    create_app_showing = showing(create_application, "CreateApplicationSuccess")
    update_app_showing = showing(update_application, "UpdateApplicationSuccess")
    return {
        "createProject": [
            Attempt(
                "Alice's namespace",
                create_project,
                {"input": {"name": "Mine", "namespace": alice.namespace}},
                "refused or conflict",
            ),
        ],
        "addProjectMember": inputs(
            "addProjectMember",
            "AddProjectMemberInput",
            lambda i: {"projectId": i, "email": mallory.email, "role": "ADMIN"},
        ),
        "removeProjectMember": inputs(
            "removeProjectMember",
            "RemoveProjectMemberInput",
            lambda i: {"projectId": i, "email": alice.email},
        ),
        "renameProject": inputs(
            "renameProject", "RenameProjectInput", lambda i: {"projectId": i, "name": "Taken"}
        ),
        "deleteProject": inputs(
            "deleteProject", "DeleteProjectInput", lambda i: {"projectId": i, "force": True}
        ),
        "addRegistry": inputs(
            "addRegistry",
            "AddRegistryInput",
            lambda i: {"projectId": i, "type": "GHCR", "verify": False},
        ),
        "generateCredentials": each_id(
            t, by_id("generateCredentials", "registryId"), lambda i: {"id": i}
        ),
        "updateCredentials": inputs(
            "updateCredentials",
            "UpdateCredentialsInput",
            lambda i: {"registryId": i, "username": "m", "token": "mallory", "verify": False},
        ),
        "verifyRegistry": each_id(t, by_id("verifyRegistry", "registryId"), lambda i: {"id": i}),
        "removeRegistry": each_id(t, by_id("removeRegistry", "registryId"), lambda i: {"id": i}),
        "createRegistryToken": inputs(
            "createRegistryToken",
            "CreateRegistryTokenInput",
            lambda i: {"registryId": i, "name": "stolen", "scope": "PULL"},
        ),
        "rotateRegistryToken": inputs(
            "rotateRegistryToken",
            "RotateRegistryTokenInput",
            lambda i: {"tokenId": i, "gracePeriod": 0},
        ),
        "revokeRegistryToken": each_id(
            t, by_id("revokeRegistryToken", "tokenId"), lambda i: {"id": i}
        ),
        "addTrustedPublisher": [
            *inputs(
                "addTrustedPublisher",
                "AddTrustedPublisherInput",
                lambda i: {
                    "registryId": i,
                    "provider": "GITHUB_ACTIONS",
                    "repository": mallory.ci_repository,
                },
            ),
            Attempt(
                "Mallory's registry, pushing to Alice's namespace",
                add_publisher,
                {
                    "input": {
                        "registryId": own_registry,
                        "provider": "GITHUB_ACTIONS",
                        "repository": mallory.ci_repository,
                        "repositories": [f"{alice.namespace}/*"],
                    }
                },
            ),
        ],
        "removeTrustedPublisher": each_id(
            t, by_id("removeTrustedPublisher", "publisherId"), lambda i: {"id": i}
        ),
        "deleteImageTag": [
            *inputs(
                "deleteImageTag",
                "DeleteImageTagInput",
                lambda i: {"registryId": i, "repository": alice.image, "tag": "1", "force": True},
            ),
            *(
                Attempt(
                    f"Mallory's registry, Alice's {repository}:{tag}",
                    delete_tag,
                    {
                        "input": {
                            "registryId": own_registry,
                            "repository": repository,
                            "tag": tag,
                            "force": True,
                        }
                    },
                )
                for repository, tag in (
                    (alice.image, "1"),
                    (alice.image, "latest"),
                    (f"{alice.namespace}/shared", "1"),
                    (f"{mallory.namespace}/../{alice.image}", "1"),
                )
            ),
        ],
        "setRetentionPolicy": [
            *inputs(
                "setRetentionPolicy",
                "SetRetentionPolicyInput",
                lambda i: {"registryId": i, "keepLast": 1},
            ),
            # A glob that matches none of the project's repositories is refused.
            Attempt(
                "Mallory's registry, Alice's repositories",
                retention,
                {
                    "input": {
                        "registryId": own_registry,
                        "keepLast": 1,
                        "repositories": [f"{alice.namespace}/*"],
                    }
                },
            ),
        ],
        "createApplication": [
            *inputs(
                "createApplication",
                "CreateApplicationInput",
                lambda i: {"projectId": i, **app_input},
            ),
            *inputs(
                "createApplication",
                "CreateApplicationInput",
                lambda i: {"projectId": own_project, **app_input, "containerRegistryId": i},
            ),
            Attempt(
                "Alice's image in Mallory's registry",
                create_app_showing,
                {
                    "input": {
                        "projectId": own_project,
                        **app_input,
                        "name": "copy",
                        "image": alice.image,
                    }
                },
                "under-own-namespace",
            ),
        ],
        "updateApplication": [
            *inputs(
                "updateApplication",
                "UpdateApplicationInput",
                lambda i: {"applicationId": i, "tag": "2"},
            ),
            *inputs(
                "updateApplication",
                "UpdateApplicationInput",
                lambda i: {"applicationId": own_app, "containerRegistryId": i},
            ),
            Attempt(
                "Alice's image for Mallory's app",
                update_app_showing,
                {"input": {"applicationId": own_app, "image": alice.image}},
                "under-own-namespace",
            ),
        ],
        "removeApplication": each_id(
            t, by_id("removeApplication", "applicationId"), lambda i: {"id": i}
        ),
        "deployApplication": each_id(
            t, by_id("deployApplication", "applicationId"), lambda i: {"id": i}
        ),
    }


def judge(attempt: Attempt, data: Any, t: Tenants) -> str | None:
    """What is wrong with the answer to `attempt`, if anything (an answer that
    may be anything is judged by the leak check alone)."""
    if attempt.expect == "answered":
        return None
    [result] = data.values()
    if attempt.expect == "null":
        return None if result is None else f"answered {result}"
    typename = result.get("__typename") if isinstance(result, dict) else None
    if attempt.expect == "refused":
        return None if typename in REFUSALS else f"not refused: {result}"
    if attempt.expect == "refused or conflict":
        return None if typename in REFUSALS | {"ConflictError"} else f"not refused: {result}"
    if attempt.expect == "under-own-namespace":
        if typename in REFUSALS:
            return None
        reference = str(result.get("application", {}).get("imageReference"))
        own = f"{t.mallory.hostname}/{t.mallory.namespace}/"
        return None if reference.startswith(own) else f"pulls {reference}, outside {own}"
    raise AssertionError(attempt.expect)
