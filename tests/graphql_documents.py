"""GraphQL documents the tests send, written as the dashboard would."""

CREATE_PROJECT = """
mutation($name: String!) {
  createProject(input: {name: $name}) {
    __typename
    ... on CreateProjectSuccess {
      project { id name namespace registries { id type region hostname isDefault name } }
    }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""

ADD_REGISTRY = """
mutation($input: AddRegistryInput!) {
  addRegistry(input: $input) {
    __typename
    ... on AddRegistrySuccess {
      registry {
        id type name hostname region isDefault username hasCredentials anonymous tokenHint
      }
    }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""

GENERATE_CREDENTIALS = """
mutation($id: ID!) {
  generateCredentials(registryId: $id) {
    __typename
    ... on GenerateCredentialsSuccess {
      registry { id hasCredentials username tokenHint credentialsCreatedAt }
      credentials { hostname username token dockerLogin }
    }
    ... on Error { message }
  }
}"""

UPDATE_CREDENTIALS = """
mutation($input: UpdateCredentialsInput!) {
  updateCredentials(input: $input) {
    __typename
    ... on UpdateCredentialsSuccess {
      registry { id username hasCredentials anonymous tokenHint credentialsUpdatedAt }
    }
    ... on RegistryVerificationError { status }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""

REMOVE_REGISTRY = """
mutation($id: ID!) {
  removeRegistry(registryId: $id) {
    __typename
    ... on RemoveRegistrySuccess {
      removedRegistryId project { registries { id isDefault region type } }
    }
    ... on Error { message }
  }
}"""


async def create_project(api, name: str = "Shop") -> dict:
    result = (await api(CREATE_PROJECT, {"name": name}))["createProject"]
    assert result["__typename"] == "CreateProjectSuccess", result
    return result["project"]


def default_registry(project: dict, region: str = "eu-central") -> dict:
    return next(r for r in project["registries"] if r["region"] == region and r["isDefault"])


VERIFY_REGISTRY = """
mutation($id: ID!) {
  verifyRegistry(registryId: $id) {
    __typename
    ... on RegistryVerification {
      status message checkedAt registry { verificationStatus lastVerifiedAt }
    }
    ... on Error { message }
  }
}"""

CHECK_IMAGE = """
query($id: ID!, $image: String!, $tag: String!) {
  checkImage(registryId: $id, image: $image, tag: $tag) {
    __typename
    ... on ImageCheck { status digest message }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""

ADD_VERIFIED = """
mutation($input: AddRegistryInput!) {
  addRegistry(input: $input) {
    __typename
    ... on AddRegistrySuccess { registry { id verificationStatus lastVerifiedAt hasCredentials } }
    ... on RegistryVerificationError { status message }
    ... on Error { message }
  }
}"""


async def add_unverified(api, project_id: str, type: str, **fields) -> dict:
    """addRegistry with verify: false (no network); returns the addRegistry result."""
    variables = {"input": {"projectId": project_id, "type": type, "verify": False, **fields}}
    return (await api(ADD_REGISTRY, variables))["addRegistry"]


APPLICATION_FIELDS = """
  id name region strategy image tag digest imageReference createdAt
  registry { id type hostname name }
"""

CREATE_APPLICATION = (
    """
mutation($input: CreateApplicationInput!) {
  createApplication(input: $input) {
    __typename
    ... on CreateApplicationSuccess { application {"""
    + APPLICATION_FIELDS
    + """} }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""
)

UPDATE_APPLICATION = (
    """
mutation($input: UpdateApplicationInput!) {
  updateApplication(input: $input) {
    __typename
    ... on UpdateApplicationSuccess { application {"""
    + APPLICATION_FIELDS
    + """} }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""
)

REMOVE_APPLICATION = """
mutation($id: ID!) {
  removeApplication(applicationId: $id) {
    __typename
    ... on RemoveApplicationSuccess { removedApplicationId project { applications { id } } }
    ... on Error { message }
  }
}"""

DEPLOY_APPLICATION = """
mutation($id: ID!, $tag: String) {
  deployApplication(applicationId: $id, tag: $tag) {
    __typename
    ... on DeployApplicationSuccess {
      deployment { id status imageReference message createdAt claimedAt finishedAt target
                   application { id name } }
    }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""


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
