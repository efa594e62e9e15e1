from app.applications import deploy_api, targets
from app.applications.graphql.mutations import ApplicationMutations
from app.applications.graphql.project_fields import ApplicationProjectFields
from app.applications.graphql.types import ApplicationNode, DeploymentNode
from app.applications.image_hooks import deploy_on_push, refuse_deleting_used_digest
from app.applications.leases import LEASE_SWEEPING
from app.applications.metrics import METRICS
from app.applications.models import DEPLOY_CREDENTIAL, DEPLOY_TARGET_TOKEN, DeployTarget
from app.applications.service import before_project_deleted, before_registry_removed
from app.applications.settings import ApplicationsSettings
from app.domain import Domain
from app.projects.events import PROJECT_DELETING
from app.registries.events import IMAGE_DELETING, IMAGE_TAGS_MOVED, REGISTRY_REMOVING
from app.security.stored_secrets import TokenDigests

DOMAIN = Domain(
    name="applications",
    models="app.applications.models",
    node_types=[ApplicationNode, DeploymentNode],
    mutation=ApplicationMutations,
    project_fields=ApplicationProjectFields,
    hooks={
        REGISTRY_REMOVING: [before_registry_removed],
        PROJECT_DELETING: [before_project_deleted],
        IMAGE_TAGS_MOVED: [deploy_on_push],
        IMAGE_DELETING: [refuse_deleting_used_digest],
    },
    token_kinds=[DEPLOY_TARGET_TOKEN, DEPLOY_CREDENTIAL],
    token_verifiers={DEPLOY_CREDENTIAL: targets.verify_deploy_credential},
    # A deployment's `ndc_` credential is left out of the pepper check: it lapses
    # within minutes anyway.
    token_digests=[TokenDigests(DeployTarget, "token_digest")],
    routes=deploy_api.routes,
    periodic=[LEASE_SWEEPING],
    settings=ApplicationsSettings,
    metrics=METRICS,
    admin_commands={
        "create-deploy-target": "app.cli.applications_admin:create_deploy_target_command",
    },
)
