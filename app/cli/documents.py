"""Every GraphQL document the `nodion` CLI sends, in one place. The tests send
these same documents, so a change to the API that breaks the CLI breaks them.

The `--json` output of a command is the object these documents select: its keys
are the API's field names, and they only change when a document here does."""

from __future__ import annotations

PROJECT_FIELDS = """
fragment ProjectFields on Project { id name namespace viewerRole createdAt }"""

REGISTRY_FIELDS = """
fragment RegistryFields on Registry {
  id name type hostname region isDefault username hasCredentials anonymous tokenHint
  verificationStatus verificationMessage lastVerifiedAt lastUsedAt createdAt
}"""

APPLICATION_FIELDS = """
fragment ApplicationFields on Application {
  id name region strategy image tag digest imageReference createdAt
  registry { id name type hostname region isDefault }
  project { id name }
}"""

DEPLOYMENT_FIELDS = """
fragment DeploymentFields on Deployment {
  id status imageReference message target createdAt claimedAt finishedAt
}"""

VIEWER = "query Viewer { viewer { id email } }"

# Pages of the viewer's projects; with their registries and applications
# where names must be resolved across projects (one query per page, no N+1).
PROJECTS = (
    """
query Projects($after: String) {
  projects(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { ...ProjectFields } }
  }
}"""
    + PROJECT_FIELDS
)

PROJECTS_WITH_REGISTRIES = """
query ProjectsWithRegistries($after: String) {
  projects(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name registries { id name hostname type region isDefault } } }
  }
}"""

PROJECTS_WITH_APPLICATIONS = """
query ProjectsWithApplications($after: String) {
  projects(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name applications { id name region } } }
  }
}"""

PROJECT_REGISTRIES = (
    """
query ProjectRegistries($id: ID!) {
  project(id: $id) { ...ProjectFields registries { ...RegistryFields } }
}"""
    + PROJECT_FIELDS
    + REGISTRY_FIELDS
)

PROJECT_APPLICATIONS = (
    """
query ProjectApplications($id: ID!) {
  project(id: $id) { ...ProjectFields applications { ...ApplicationFields } }
}"""
    + PROJECT_FIELDS
    + APPLICATION_FIELDS
)

CREATE_PROJECT = (
    """
mutation CreateProject($name: String!) {
  createProject(input: {name: $name}) {
    __typename
    ... on CreateProjectSuccess { project { ...ProjectFields registries { ...RegistryFields } } }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""
    + PROJECT_FIELDS
    + REGISTRY_FIELDS
)

ADD_REGISTRY = (
    """
mutation AddRegistry($input: AddRegistryInput!) {
  addRegistry(input: $input) {
    __typename
    ... on AddRegistrySuccess { registry { ...RegistryFields } }
    ... on Error { message }
    ... on ValidationError { field }
    ... on RegistryVerificationError { status }
  }
}"""
    + REGISTRY_FIELDS
)

GENERATE_CREDENTIALS = """
mutation GenerateCredentials($id: ID!) {
  generateCredentials(registryId: $id) {
    __typename
    ... on GenerateCredentialsSuccess { credentials { hostname username token dockerLogin } }
    ... on Error { message }
  }
}"""

UPDATE_CREDENTIALS = (
    """
mutation UpdateCredentials($input: UpdateCredentialsInput!) {
  updateCredentials(input: $input) {
    __typename
    ... on UpdateCredentialsSuccess { registry { ...RegistryFields } }
    ... on Error { message }
    ... on ValidationError { field }
    ... on RegistryVerificationError { status }
  }
}"""
    + REGISTRY_FIELDS
)

VERIFY_REGISTRY = (
    """
mutation VerifyRegistry($id: ID!) {
  verifyRegistry(registryId: $id) {
    __typename
    ... on RegistryVerification { status message checkedAt registry { ...RegistryFields } }
    ... on Error { message }
  }
}"""
    + REGISTRY_FIELDS
)

CHECK_IMAGE = """
query CheckImage($id: ID!, $image: String!, $tag: String!) {
  checkImage(registryId: $id, image: $image, tag: $tag) {
    __typename
    ... on ImageCheck { status digest message }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""

REMOVE_REGISTRY = """
mutation RemoveRegistry($id: ID!) {
  removeRegistry(registryId: $id) {
    __typename
    ... on RemoveRegistrySuccess { removedRegistryId }
    ... on Error { message }
  }
}"""

CREATE_APPLICATION = (
    """
mutation CreateApplication($input: CreateApplicationInput!) {
  createApplication(input: $input) {
    __typename
    ... on CreateApplicationSuccess { application { ...ApplicationFields } }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""
    + APPLICATION_FIELDS
)

DEPLOY_APPLICATION = (
    """
mutation DeployApplication($id: ID!, $tag: String) {
  deployApplication(applicationId: $id, tag: $tag) {
    __typename
    ... on DeployApplicationSuccess {
      deployment { ...DeploymentFields application { id name } }
    }
    ... on Error { message }
    ... on ValidationError { field }
  }
}"""
    + DEPLOYMENT_FIELDS
)

APPLICATION_DEPLOYMENTS = (
    """
query ApplicationDeployments($id: ID!, $first: Int) {
  node(id: $id) {
    ... on Application {
      id name
      deployments(first: $first) { edges { node { ...DeploymentFields } } }
    }
  }
}"""
    + DEPLOYMENT_FIELDS
)
