// Every GraphQL document the dashboard sends, in one place: this file is the
// dashboard's whole use of the API (see schema.graphql for the contract).

// A fragment may only name types its union has, hence three variants.
const ERROR_FIELDS = `__typename ... on Error { message }`;
const WITH_FIELD = `${ERROR_FIELDS} ... on ValidationError { field }`;
const WITH_VERIFICATION = `${WITH_FIELD} ... on RegistryVerificationError { status }`;

export const REGISTRY_FIELDS = `
  fragment RegistryFields on Registry {
    id type name hostname region isDefault username hasCredentials anonymous
    tokenHint credentialsCreatedAt credentialsUpdatedAt lastUsedAt createdAt
    caCertificate verificationStatus verificationMessage lastVerifiedAt
  }
`;

export const VIEWER = `query Viewer { viewer { id email } }`;

export const PROJECTS = `
  query Projects($after: String) {
    projects(first: 50, after: $after) {
      edges { node { id name namespace createdAt viewerRole } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const CREATE_PROJECT = `
  mutation CreateProject($name: String!) {
    createProject(input: { name: $name }) {
      ${WITH_FIELD}
      ... on CreateProjectSuccess { project { id name namespace } }
    }
  }
`;

export const PROJECT_REGISTRIES = `
  query ProjectRegistries($id: ID!) {
    project(id: $id) {
      id name namespace viewerRole
      registries { ...RegistryFields }
    }
    regions { slug name registryHostname }
    registryProviders { type displayName defaultHostname hostnameRequired }
  }
  ${REGISTRY_FIELDS}
`;

export const ADD_REGISTRY = `
  mutation AddRegistry($input: AddRegistryInput!) {
    addRegistry(input: $input) {
      ${WITH_VERIFICATION}
      ... on AddRegistrySuccess { registry { ...RegistryFields } }
    }
  }
  ${REGISTRY_FIELDS}
`;

// The one response that carries a secret: shown once in the credentials dialog.
export const GENERATE_CREDENTIALS = `
  mutation GenerateCredentials($id: ID!) {
    generateCredentials(registryId: $id) {
      ${ERROR_FIELDS}
      ... on GenerateCredentialsSuccess {
        registry { ...RegistryFields }
        credentials { hostname username token dockerLogin }
      }
    }
  }
  ${REGISTRY_FIELDS}
`;

export const UPDATE_CREDENTIALS = `
  mutation UpdateCredentials($input: UpdateCredentialsInput!) {
    updateCredentials(input: $input) {
      ${WITH_VERIFICATION}
      ... on UpdateCredentialsSuccess { registry { ...RegistryFields } }
    }
  }
  ${REGISTRY_FIELDS}
`;

export const VERIFY_REGISTRY = `
  mutation VerifyRegistry($id: ID!) {
    verifyRegistry(registryId: $id) {
      ${ERROR_FIELDS}
      ... on RegistryVerification { status message checkedAt registry { ...RegistryFields } }
    }
  }
  ${REGISTRY_FIELDS}
`;

export const CHECK_IMAGE = `
  query CheckImage($id: ID!, $image: String!, $tag: String!) {
    checkImage(registryId: $id, image: $image, tag: $tag) {
      ${WITH_FIELD}
      ... on ImageCheck { status digest message }
    }
  }
`;

export const REMOVE_REGISTRY = `
  mutation RemoveRegistry($id: ID!) {
    removeRegistry(registryId: $id) {
      ${ERROR_FIELDS}
      ... on RemoveRegistrySuccess { removedRegistryId }
    }
  }
`;

export const AUDIT_EVENTS = `
  query AuditEvents($id: ID!, $after: String) {
    project(id: $id) {
      id name namespace viewerRole
      auditEvents(first: 50, after: $after) {
        edges { node { action actorEmail targetType targetName detail createdAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

// Applications and deployments.
const APPLICATION_FIELDS = `
  fragment ApplicationFields on Application {
    id name region strategy image tag digest imageReference createdAt
    registry { id name hostname type }
    deployments(first: 5) {
      edges { node { id status imageReference message createdAt claimedAt finishedAt target } }
    }
  }
`;

export const PROJECT_APPLICATIONS = `
  query ProjectApplications($id: ID!) {
    project(id: $id) {
      id name namespace viewerRole
      applications { ...ApplicationFields }
      registries { id name hostname type region isDefault }
    }
    regions { slug name }
  }
  ${APPLICATION_FIELDS}
`;

export const CREATE_APPLICATION = `
  mutation CreateApplication($input: CreateApplicationInput!) {
    createApplication(input: $input) {
      ${WITH_FIELD}
      ... on CreateApplicationSuccess { application { ...ApplicationFields } }
    }
  }
  ${APPLICATION_FIELDS}
`;

export const DEPLOY_APPLICATION = `
  mutation DeployApplication($id: ID!, $tag: String) {
    deployApplication(applicationId: $id, tag: $tag) {
      ${WITH_FIELD}
      ... on DeployApplicationSuccess { deployment { id status imageReference createdAt } }
    }
  }
`;
