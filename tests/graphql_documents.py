"""The GraphQL documents the tests send: the clients' own operations (from
app/operations/, so a test and the CLI or dashboard never disagree on what an
operation selects), plus the few that no client sends yet. Every one of them
is validated against schema.graphql in tests/graphql/test_client_operations.py."""

from app.operations import document, with_fragments

CREATE_PROJECT = document("CreateProject")
RENAME_PROJECT = document("RenameProject")
DELETE_PROJECT = document("DeleteProject")
PROJECT_REGISTRIES = document("ProjectRegistries")
ADD_REGISTRY = document("AddRegistry")
GENERATE_CREDENTIALS = document("GenerateCredentials")
UPDATE_CREDENTIALS = document("UpdateCredentials")
VERIFY_REGISTRY = document("VerifyRegistry")
CHECK_IMAGE = document("CheckImage")
REMOVE_REGISTRY = document("RemoveRegistry")
REGISTRY_TOKENS = document("RegistryTokens")
CREATE_REGISTRY_TOKEN = document("CreateRegistryToken")
ROTATE_REGISTRY_TOKEN = document("RotateRegistryToken")
REVOKE_REGISTRY_TOKEN = document("RevokeRegistryToken")
CREATE_APPLICATION = document("CreateApplication")
DEPLOY_APPLICATION = document("DeployApplication")

# No client updates or removes an application yet.
UPDATE_APPLICATION = with_fragments("""
mutation UpdateApplication($input: UpdateApplicationInput!) {
  updateApplication(input: $input) {
    __typename
    ... on UpdateApplicationSuccess { application { ...ApplicationFields } }
    ... on Error { message }
    ... on ValidationError { field }
  }
}""")

REMOVE_APPLICATION = """
mutation RemoveApplication($id: ID!) {
  removeApplication(applicationId: $id) {
    __typename
    ... on RemoveApplicationSuccess { removedApplicationId project { applications { id } } }
    ... on Error { message }
  }
}"""

TEST_ONLY_DOCUMENTS = {
    "UpdateApplication": UPDATE_APPLICATION,
    "RemoveApplication": REMOVE_APPLICATION,
}


async def create_project(api, name: str = "Shop") -> dict:
    result = (await api(CREATE_PROJECT, {"name": name}))["createProject"]
    assert result["__typename"] == "CreateProjectSuccess", result
    return result["project"]


def default_registry(project: dict, region: str = "eu-central") -> dict:
    return next(r for r in project["registries"] if r["region"] == region and r["isDefault"])


async def add_unverified(api, project_id: str, type: str, **fields) -> dict:
    """addRegistry with verify: false (no network); returns the addRegistry result."""
    variables = {"input": {"projectId": project_id, "type": type, "verify": False, **fields}}
    return (await api(ADD_REGISTRY, variables))["addRegistry"]


async def create_application(api, project_id: str, **fields) -> dict:
    variables = {"input": {"projectId": project_id, **fields}}
    result = (await api(CREATE_APPLICATION, variables))["createApplication"]
    assert result["__typename"] == "CreateApplicationSuccess", result
    return result["application"]


async def deploy_application(api, application_id: str, tag: str | None = None) -> dict:
    result = (await api(DEPLOY_APPLICATION, {"id": application_id, "tag": tag}))[
        "deployApplication"
    ]
    assert result["__typename"] == "DeployApplicationSuccess", result
    return result["deployment"]
