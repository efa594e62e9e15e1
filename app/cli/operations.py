"""The GraphQL operations the `nodion` CLI sends, by name. Their text lives
once, in app/operations/<Name>.graphql, shared with the dashboard and the
tests; `Api.execute` reads a file the first time its operation is sent.

The `--json` output of a command is the object its operation selects: its keys
are the API's field names, and they only change when that operation does
(which the dashboard and the tests would notice too)."""

from __future__ import annotations

VIEWER = "Viewer"
# Pages of the viewer's projects; with their registries or applications where
# names must be resolved across projects.
PROJECTS = "Projects"
PROJECTS_WITH_REGISTRIES = "ProjectsWithRegistries"
PROJECTS_WITH_APPLICATIONS = "ProjectsWithApplications"
PROJECT_REGISTRIES = "ProjectRegistries"
PROJECT_APPLICATIONS = "ProjectApplications"
CREATE_PROJECT = "CreateProject"
RENAME_PROJECT = "RenameProject"
DELETE_PROJECT = "DeleteProject"
ADD_REGISTRY = "AddRegistry"
GENERATE_CREDENTIALS = "GenerateCredentials"
UPDATE_CREDENTIALS = "UpdateCredentials"
VERIFY_REGISTRY = "VerifyRegistry"
CHECK_IMAGE = "CheckImage"
REMOVE_REGISTRY = "RemoveRegistry"
# Operation names, not secrets (S105 reads "TOKEN" in a name as a password).
REGISTRY_TOKENS = "RegistryTokens"
REGISTRY_TOKEN = "RegistryToken"  # noqa: S105
CREATE_REGISTRY_TOKEN = "CreateRegistryToken"  # noqa: S105
ROTATE_REGISTRY_TOKEN = "RotateRegistryToken"  # noqa: S105
REVOKE_REGISTRY_TOKEN = "RevokeRegistryToken"  # noqa: S105
CREATE_APPLICATION = "CreateApplication"
DEPLOY_APPLICATION = "DeployApplication"
APPLICATION_DEPLOYMENTS = "ApplicationDeployments"
TRUSTED_PUBLISHERS = "TrustedPublishers"
ADD_TRUSTED_PUBLISHER = "AddTrustedPublisher"
REMOVE_TRUSTED_PUBLISHER = "RemoveTrustedPublisher"
UPDATE_APPLICATION = "UpdateApplication"
PROJECT_IMAGES = "ProjectImages"
DELETE_IMAGE_TAG = "DeleteImageTag"
