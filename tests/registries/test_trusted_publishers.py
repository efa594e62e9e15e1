"""addTrustedPublisher / removeTrustedPublisher / Registry.trustedPublishers:
per-provider fields, what is refused, and who may."""

from __future__ import annotations

import pytest

from app.projects.models import Project
from app.registries import publishers as publishers_module
from app.registries.models import Registry, TrustedPublisher
from app.registries.settings import RegistriesSettings
from tests.graphql_documents import create_project, default_registry
from tests.registries.publishers import (
    TRUSTED_PUBLISHERS,
    add_publisher,
    remove_publisher,
)
from tests.tls_material import CertificateAuthority

SET_MEMBER = """mutation($input: AddProjectMemberInput!) { addProjectMember(input: $input) {
  __typename } }"""


@pytest.fixture
async def registry(api) -> tuple[dict, dict]:
    project = await create_project(api, "Shop")
    return project, default_registry(project)


async def test_a_github_publisher_gets_its_defaults_and_is_listed(api, registry, settings):
    project, nodion = registry
    added = await add_publisher(
        api,
        nodion["id"],
        "GITHUB_ACTIONS",
        repository="octo/app",
        workflow="release.yml",
        ref="refs/tags/v*",
    )
    assert added["__typename"] == "AddTrustedPublisherSuccess", added
    publisher = added["publisher"]
    assert publisher["issuer"] == RegistriesSettings.of(settings).github_oidc_issuer
    assert publisher["audience"] == nodion["hostname"]
    assert publisher["repositories"] == [f"{project['namespace']}/*"]
    assert publisher["createdBy"] == "alice@example.com"
    assert {c["claim"]: c["value"] for c in publisher["conditions"]} == {
        "repository": "octo/app",
        "job_workflow_ref": "octo/app/.github/workflows/release.yml@*",
        "ref": "refs/tags/v*",
    }
    listed = (await api(TRUSTED_PUBLISHERS, {"id": nodion["id"]}))["node"]["trustedPublishers"]
    assert [p["id"] for p in listed] == [publisher["id"]]
    assert listed[0]["problem"] is None  # it binds the repository


async def test_gitlab_and_custom_publishers(api, registry):
    project, nodion = registry
    gitlab = await add_publisher(
        api,
        nodion["id"],
        "GITLAB",
        projectPath="group/app",
        refType="tag",
        repositories=[f"{project['namespace']}/app"],
    )
    assert gitlab["publisher"]["issuer"] == "https://gitlab.com"
    assert gitlab["publisher"]["repositories"] == [f"{project['namespace']}/app"]
    custom = await add_publisher(
        api,
        nodion["id"],
        "CUSTOM_OIDC",
        issuer="https://ci.example.com/",
        subject="pipeline:app:*",
        claims=[{"claim": "team", "value": "web[1]"}],
    )
    assert custom["__typename"] == "AddTrustedPublisherSuccess", custom
    conditions = {c["claim"]: c["value"] for c in custom["publisher"]["conditions"]}
    # An equality is stored as a glob matching only that value.
    assert conditions == {"sub": "pipeline:app:*", "team": "web[[]1]"}
    assert custom["publisher"]["issuer"] == "https://ci.example.com"


@pytest.mark.parametrize(
    ("provider", "fields", "field"),
    [
        ("GITHUB_ACTIONS", {"repository": "octo/app", "projectPath": "g/p"}, "projectPath"),
        ("GITHUB_ACTIONS", {"repository": "octo/app", "issuer": "https://x.example"}, "issuer"),
        ("GITHUB_ACTIONS", {"repository": "octo/app", "subject": "x"}, "subject"),
        ("GITHUB_ACTIONS", {}, "repository"),
        ("GITHUB_ACTIONS", {"repository": "no-slash"}, "repository"),
        ("GITHUB_ACTIONS", {"repository": "octo/app", "workflow": "a/b.yml"}, "workflow"),
        ("GITLAB", {"projectPath": "g/p", "workflow": "x.yml"}, "workflow"),
        ("GITLAB", {"projectPath": "g/p", "refType": "commit"}, "refType"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "http://gitlab.example"}, "issuer"),
        # urlsplit raised ValueError on these (a 500), or httpx could not request
        # them later, making every exchange naming the issuer a 500.
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://["}, "issuer"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://[not-an-ip]"}, "issuer"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://gitlab.example:x"}, "issuer"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://gitlab.example:99999"}, "issuer"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://gitlab.example:0"}, "issuer"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://git lab.example"}, "issuer"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://gitlab\n.example"}, "issuer"),
        ("GITLAB", {"projectPath": "g/p", "issuer": "https://gitlab.example/\x00"}, "issuer"),
        ("CUSTOM_OIDC", {"subject": "x"}, "issuer"),
        ("CUSTOM_OIDC", {"issuer": "https://ci.example", "repository": "o/r"}, "repository"),
        ("CUSTOM_OIDC", {"issuer": "https://ci.example"}, "subject"),
        (
            "CUSTOM_OIDC",
            {
                "issuer": "https://ci.example",
                "subject": "s",
                "claims": [{"claim": "exp", "value": "1"}],
            },
            "claims",
        ),
        (  # one claim twice: the last value was kept, silently
            "CUSTOM_OIDC",
            {
                "issuer": "https://ci.example",
                "subject": "s",
                "claims": [{"claim": "team", "value": "a"}, {"claim": "team", "value": "b"}],
            },
            "claims",
        ),
        (  # `$` matched before the newline: stored, and counted as the identity
            # claim that lets subject `*` through, though no token carries it
            "CUSTOM_OIDC",
            {
                "issuer": "https://ci.example",
                "subject": "*",
                "claims": [{"claim": "repository\n", "value": "octo/app"}],
            },
            "claims",
        ),
        ("GITHUB_ACTIONS", {"repository": "o/r", "caCertificate": "not a pem"}, "caCertificate"),
        ("GITHUB_ACTIONS", {"repository": "o/r", "repositories": ["other/app"]}, "repositories"),
        ("GITHUB_ACTIONS", {"repository": "o/r", "repositories": []}, "repositories"),
    ],
)
async def test_fields_that_do_not_apply_or_are_wrong_are_validation_errors(
    api, registry, provider, fields, field
):
    _, nodion = registry
    refused = await add_publisher(api, nodion["id"], provider, **fields)
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == field
    assert (await api(TRUSTED_PUBLISHERS, {"id": nodion["id"]}))["node"]["trustedPublishers"] == []


async def test_only_admins_add_and_remove_and_strangers_learn_nothing(api, make_api, registry):
    project, nodion = registry
    added = (await add_publisher(api, nodion["id"], "GITHUB_ACTIONS", repository="octo/app"))[
        "publisher"
    ]
    bob = await make_api("bob@example.com")
    assert (await remove_publisher(bob, added["id"]))["__typename"] == "NotFoundError"
    refused = await add_publisher(bob, nodion["id"], "GITHUB_ACTIONS", repository="octo/x")
    assert refused["__typename"] == "NotFoundError"
    await api(
        SET_MEMBER,
        {"input": {"projectId": project["id"], "email": "bob@example.com", "role": "DEVELOPER"}},
    )
    assert (await remove_publisher(bob, added["id"]))["__typename"] == "PermissionDeniedError"
    removed = await remove_publisher(api, added["id"])
    assert removed["__typename"] == "RemoveTrustedPublisherSuccess"
    assert removed["registry"]["id"] == nodion["id"]
    assert (await remove_publisher(api, added["id"]))["__typename"] == "NotFoundError"


@pytest.mark.parametrize("wrong", ["registry", "!!!", "VHJ1c3RlZFB1Ymxpc2hlcjo5OTk5OTk5OTk5OTk="])
async def test_an_id_that_names_no_publisher_is_not_found_in_words(api, registry, wrong):
    _, nodion = registry
    removed = await remove_publisher(api, nodion["id"] if wrong == "registry" else wrong)
    assert removed["__typename"] == "NotFoundError"
    assert removed["message"].startswith(
        "No trusted publisher with this ID"
    )  # not trustedpublisher


async def test_a_ca_certificate_with_a_nul_around_its_pem_is_a_validation_error(api, registry):
    # The PEM parser skips the NUL; PostgreSQL refused to store it (a 500).
    _, nodion = registry
    pem = CertificateAuthority.create("Publisher CA").pem
    refused = await add_publisher(
        api, nodion["id"], "GITHUB_ACTIONS", repository="o/r", caCertificate=f"{pem}\x00\n"
    )
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == "caCertificate"


@pytest.mark.parametrize("removed", ["the registry", "its project", "its project first"])
async def test_a_publisher_added_to_a_registry_removed_meanwhile_is_not_found(
    api, registry, monkeypatch, removed
):
    """Removed after the registry was read, before the publisher was stored:
    the insert broke the foreign key, a 500 "Unexpected error". The locked
    registry row is read again in the transaction and its absence is said."""
    _, nodion = registry
    read_project = publishers_module.Project.get_or_none

    async def read_then_remove(*args, **kwargs):
        if removed == "its project first":  # before the project is read
            await Project.filter(id=kwargs["id"]).delete()
            return await read_project(*args, **kwargs)
        row = await read_project(*args, **kwargs)
        if removed == "the registry":
            await Registry.filter(project_id=row.id).delete()
        else:
            await Project.filter(id=row.id).delete()
        return row

    monkeypatch.setattr(publishers_module.Project, "get_or_none", read_then_remove)

    refused = await add_publisher(api, nodion["id"], "GITHUB_ACTIONS", repository="octo/app")

    assert refused["__typename"] == "NotFoundError", refused
    assert refused["message"].startswith("No registry with this ID exists")
    assert await TrustedPublisher.all().count() == 0


async def test_third_party_registries_have_no_publishers(api, registry):
    from tests.graphql_documents import add_unverified

    project, _ = registry
    hub = (await add_unverified(api, project["id"], "DOCKER_HUB"))["registry"]
    refused = await add_publisher(api, hub["id"], "GITHUB_ACTIONS", repository="octo/app")
    assert refused["__typename"] == "NotSupportedError"


@pytest.mark.parametrize(
    ("provider", "issuer", "says"),
    [
        ("CUSTOM_OIDC", "https://token.actions.githubusercontent.com", "GITHUB_ACTIONS"),
        ("CUSTOM_OIDC", "https://Token.Actions.GithubUserContent.com:443/", "GITHUB_ACTIONS"),
        # The same host written as a fully qualified name (DNS resolves it alike).
        ("CUSTOM_OIDC", "https://token.actions.githubusercontent.com.", "GITHUB_ACTIONS"),
        ("CUSTOM_OIDC", "https://gitlab.com.:443/", "GITLAB"),
        ("CUSTOM_OIDC", "https://gitlab.com", "GITLAB"),
        ("GITLAB", "https://token.actions.githubusercontent.com", "GITHUB_ACTIONS"),
    ],
)
async def test_a_built_in_providers_issuer_is_taken_with_that_provider_only(
    api, registry, provider, issuer, says
):
    # A CUSTOM_OIDC publisher with GitHub's issuer and subject `*` took every
    # GitHub repository's tokens (issue 30); the built-in ones bind the repository.
    _, nodion = registry
    fields = {"subject": "repo:octo/app:ref:refs/heads/main"} if provider == "CUSTOM_OIDC" else {}
    if provider == "GITLAB":
        fields = {"projectPath": "group/app"}
    refused = await add_publisher(api, nodion["id"], provider, issuer=issuer, **fields)
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == "issuer"
    assert f"choose the provider {says}" in refused["message"]


@pytest.mark.parametrize(
    ("subject", "claims", "field"),
    [
        ("*", [], "subject"),
        ("repo:*", [], "subject"),
        ("pipeline-?", [], "subject"),
        ("*", [{"claim": "ref", "value": "refs/heads/main"}], "claims"),
        ("*", [{"claim": "environment", "value": "production"}], "claims"),
    ],
)
async def test_a_publisher_that_binds_no_identity_claim_exactly_is_refused(
    api, registry, subject, claims, field
):
    _, nodion = registry
    refused = await add_publisher(
        api,
        nodion["id"],
        "CUSTOM_OIDC",
        issuer="https://ci.example.com",
        subject=subject,
        claims=claims,
    )
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == field
    assert "add to `claims` the exact value of a claim" in refused["message"]
    assert "repository=org/app" in refused["message"]


@pytest.mark.parametrize(
    ("subject", "claims"),
    [
        ("repo:octo/app:ref:refs/heads/main", []),
        ("*", [{"claim": "repository", "value": "octo/app"}]),
    ],
)
async def test_an_exact_subject_or_an_exact_identity_claim_is_enough(
    api, registry, subject, claims
):
    _, nodion = registry
    added = await add_publisher(
        api,
        nodion["id"],
        "CUSTOM_OIDC",
        issuer="https://ci.example.com",
        subject=subject,
        claims=claims,
    )
    assert added["__typename"] == "AddTrustedPublisherSuccess", added
