"""The GraphQL documents the tests send: the clients' own operations (from
app/operations/, so a test and the CLI or dashboard never disagree on what an
operation selects), plus the few that no client sends yet. Every one of them
is validated against schema.graphql in tests/graphql/test_client_operations.py."""

from app.operations import document

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
UPDATE_APPLICATION = document("UpdateApplication")
DELETE_IMAGE_TAG = document("DeleteImageTag")

# No client removes an application yet.
REMOVE_APPLICATION = """
mutation RemoveApplication($id: ID!) {
  removeApplication(applicationId: $id) {
    __typename
    ... on RemoveApplicationSuccess { removedApplicationId project { applications { id } } }
    ... on Error { message }
  }
}"""

# The images index: no client lists or deletes images yet.
REGISTRY_REPOSITORIES = """
query RegistryRepositories($id: ID!, $first: Int, $tags: Int, $after: String) {
  node(id: $id) {
    ... on Registry {
      repositories(first: $first, after: $after) {
        edges { cursor node {
          id name region tagCount lastPushedAt sizeBytes
          tags(first: $tags) {
            edges { node { name digest mediaType sizeBytes pushedAt pushedBy } }
            pageInfo { hasNextPage endCursor }
          }
        } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}"""

PROJECT_REPOSITORIES = """
query ProjectRepositories($id: ID!, $region: String) {
  node(id: $id) {
    ... on Project {
      repositories(first: 100, region: $region) {
        edges { node { name region tagCount tags(first: 100) { edges { node { name digest } } } } }
      }
    }
  }
}"""

SET_RETENTION_POLICY = """
mutation SetRetentionPolicy($input: SetRetentionPolicyInput!) {
  setRetentionPolicy(input: $input) {
    __typename
    ... on SetRetentionPolicySuccess { policy { keepLast olderThanDays repositories } }
    ... on Error { message }
  }
}"""

TEST_ONLY_DOCUMENTS = {
    "RemoveApplication": REMOVE_APPLICATION,
    "RegistryRepositories": REGISTRY_REPOSITORIES,
    "ProjectRepositories": PROJECT_REPOSITORIES,
    "SetRetentionPolicy": SET_RETENTION_POLICY,
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
