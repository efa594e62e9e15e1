// The GraphQL operations the dashboard sends, by name: this file is the
// dashboard's whole use of the API. Their text lives once, in
// app/operations/<Name>.graphql (shared with the CLI and the tests, validated
// against schema.graphql by tests/graphql/test_client_operations.py); api.js
// fetches them all once, from /dashboard/operations.json.

export const VIEWER = "Viewer";
export const PROJECTS = "Projects";
export const CREATE_PROJECT = "CreateProject";
export const RENAME_PROJECT = "RenameProject";
export const DELETE_PROJECT = "DeleteProject";
export const PROJECT_REGISTRIES = "ProjectRegistriesPage";
export const ADD_REGISTRY = "AddRegistry";
// The one response that carries a secret: shown once in the credentials dialog.
export const GENERATE_CREDENTIALS = "GenerateCredentials";
export const UPDATE_CREDENTIALS = "UpdateCredentials";
export const VERIFY_REGISTRY = "VerifyRegistry";
export const CHECK_IMAGE = "CheckImage";
export const REMOVE_REGISTRY = "RemoveRegistry";
export const AUDIT_EVENTS = "AuditEvents";
export const PROJECT_APPLICATIONS = "ProjectApplicationsPage";
export const CREATE_APPLICATION = "CreateApplication";
export const DEPLOY_APPLICATION = "DeployApplication";
// A Nodion registry's access tokens; creating and rotating one answers its
// secret once, shown in the credentials dialog.
export const REGISTRY_TOKENS = "RegistryTokens";
export const CREATE_REGISTRY_TOKEN = "CreateRegistryToken";
export const ROTATE_REGISTRY_TOKEN = "RotateRegistryToken";
export const REVOKE_REGISTRY_TOKEN = "RevokeRegistryToken";
// A Nodion registry's trusted publishers (CI identities pushing with OIDC).
export const TRUSTED_PUBLISHERS = "TrustedPublishers";
export const ADD_TRUSTED_PUBLISHER = "AddTrustedPublisher";
export const REMOVE_TRUSTED_PUBLISHER = "RemoveTrustedPublisher";
// What the project's Nodion registries hold, and deleting a tag (ADMIN).
export const PROJECT_IMAGES = "ProjectImages";
export const DELETE_IMAGE_TAG = "DeleteImageTag";
// The Deploy on push switch of an application.
export const UPDATE_APPLICATION = "UpdateApplication";
