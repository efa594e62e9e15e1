from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from app.security.tokens import TokenKind

DEPLOY_TARGET_TOKEN = TokenKind("ndt_")
"""A deploy target's long-lived token, stored as `DeployTarget.token_digest`."""
DEPLOY_CREDENTIAL = TokenKind("ndc_")
"""A deployment's short-lived pull credential, stored as `Deployment.credential_digest`."""

if TYPE_CHECKING:  # for type checkers only; import-linter skips these imports
    from app.projects.models import Project
    from app.registries.models import Registry


class Strategy(StrEnum):
    DOCKERFILE = "DOCKERFILE"
    BUILDPACKS = "BUILDPACKS"
    PREBUILT_IMAGE = "PREBUILT_IMAGE"

    @property
    def builds(self) -> bool:
        """Nodion builds the image and pushes it to the region's Nodion registry."""
        return self is not Strategy.PREBUILT_IMAGE


class DeploymentStatus(StrEnum):
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class Application(Model):
    id = fields.IntField(primary_key=True)
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "nodion.Project", related_name="applications", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=63)  # a DNS label
    region = fields.CharField(max_length=63)
    strategy = fields.CharEnumField(Strategy, max_length=16)
    # Where images are pulled from; removing a registry in use is refused.
    registry: fields.ForeignKeyRelation[Registry] = fields.ForeignKeyField(
        "nodion.Registry", related_name="applications", on_delete=fields.RESTRICT
    )
    image = fields.CharField(max_length=255)  # repository path in that registry
    tag = fields.CharField(max_length=128, null=True)
    digest = fields.CharField(max_length=100, null=True)
    # A push of a new digest to `image:tag` in its Nodion registry deploys it.
    deploy_on_push = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    project_id: int
    registry_id: int

    class Meta:
        table = "applications"
        unique_together = (("project", "name"),)


class DeployTarget(Model):
    """A machine that pulls and runs images in one region, signed in with its own token."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=63, unique=True)
    region = fields.CharField(max_length=63)
    token_digest = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(null=True)  # to the minute (targets.authenticate_target)

    class Meta:
        table = "deploy_targets"


class Deployment(Model):
    id = fields.IntField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "nodion.Application", related_name="deployments", on_delete=fields.CASCADE
    )
    # Fixed at creation, so a later change of the application changes no deployment.
    project_id = fields.IntField()
    region = fields.CharField(max_length=63)
    strategy = fields.CharEnumField(Strategy, max_length=16)
    # Removing a registry that a pending or running deployment uses is refused;
    # finished deployments keep their history without it.
    registry: fields.ForeignKeyNullableRelation[Registry] = fields.ForeignKeyField(
        "nodion.Registry", related_name="deployments", null=True, on_delete=fields.SET_NULL
    )
    image_reference = fields.CharField(max_length=600)
    # The repository the deployment may pull (and, for builds, push): `<namespace>/…`.
    repository = fields.CharField(max_length=255)
    status = fields.CharEnumField(DeploymentStatus, max_length=16, default=DeploymentStatus.PENDING)
    message = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    claimed_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    target: fields.ForeignKeyNullableRelation[DeployTarget] = fields.ForeignKeyField(
        "nodion.DeployTarget", related_name="deployments", null=True, on_delete=fields.SET_NULL
    )
    target_name = fields.CharField(max_length=63, null=True)
    # A Nodion registry credential minted at claim time for this deployment only:
    # its keyed digest and when it stops working (also when the deployment ends).
    credential_digest = fields.CharField(max_length=64, null=True, unique=True)
    credential_expires_at = fields.DatetimeField(null=True)
    # The claiming target holds the deployment until then, and extends it with
    # heartbeats; past it the deployment may be claimed again (its credential
    # stops working at the same moment). `attempts` counts the claims.
    lease_expires_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0, db_default=0)  # rows from before leases: 0

    application_id: int
    registry_id: int | None
    target_id: int | None

    class Meta:
        table = "deployments"
        # The deploy claim's index of unfinished rows, (region, id) WHERE status IN
        # ('PENDING', 'CLAIMED'), is made by migration 0013: Tortoise cannot say it.
        indexes = (("region", "status", "id"), ("application_id", "id"))
