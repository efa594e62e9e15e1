from app.applications import deploy_api, targets
from app.applications.graphql.mutations import ApplicationMutations
from app.applications.graphql.project_fields import ApplicationProjectFields
from app.applications.graphql.types import ApplicationNode, DeploymentNode
from app.applications.service import before_registry_removed
from app.domain import Domain
from app.events import REGISTRY_REMOVING
from app.security.tokens import DEPLOY_CREDENTIAL_PREFIX

DOMAIN = Domain(
    name="applications",
    models="app.applications.models",
    node_types=[ApplicationNode, DeploymentNode],
    mutation=ApplicationMutations,
    project_fields=ApplicationProjectFields,
    hooks={REGISTRY_REMOVING: [before_registry_removed]},
    token_verifiers={DEPLOY_CREDENTIAL_PREFIX: targets.verify_deploy_credential},
    routes=deploy_api.routes,
)
