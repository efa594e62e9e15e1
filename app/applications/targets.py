"""Deploy targets: machines that claim deployments of their region, pull the
image with the credentials handed to them for that deployment, and report
back. The claim is the only path by which a stored secret leaves the service
for a deployment, and each disclosure is an audit event."""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from app.applications import leases
from app.applications.models import (
    DEPLOY_CREDENTIAL,
    DEPLOY_TARGET_TOKEN,
    Deployment,
    DeploymentStatus,
    DeployTarget,
    Strategy,
)
from app.applications.settings import ApplicationsSettings
from app.audit.models import AuditEvent
from app.audit.service import record
from app.errors import Conflict, NotFound, ValidationFailed
from app.registries.credentials import Purpose, disclose
from app.registries.models import Registry, RegistryType
from app.registries.token_auth import Access
from app.security.keys import ServiceKeys
from app.security.tokens import token_digest
from app.settings import Settings
from app.transactions import atomic

TARGET_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")
FINAL = (DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED)
MESSAGE_MAX_LENGTH = 500
LAST_SEEN_RESOLUTION = timedelta(minutes=1)  # how fresh a target's last_seen_at is kept


class LateReport(Conflict):
    """A status report from a target whose lease ran out: refused, and recorded."""


@dataclass(frozen=True)
class Claim:
    deployment: Deployment
    docker_config: dict[str, Any] = field(repr=False)  # holds a secret


async def create_target(name: str, region: str, settings: Settings, pepper: bytes) -> str:
    """Register a deploy target; its token is returned once and stored as a digest."""
    if not TARGET_NAME.match(name):
        raise ValidationFailed(
            "name", "A target name is a DNS label: lower-case letters, digits and '-'."
        )
    if settings.region(region) is None:
        known = ", ".join(r.slug for r in settings.regions)
        raise ValidationFailed("region", f"Unknown region {region[:63]!r}; choose one of: {known}.")
    token = DEPLOY_TARGET_TOKEN.new()
    try:
        await DeployTarget.create(
            name=name, region=region, token_digest=token_digest(token, pepper)
        )
    except IntegrityError:
        raise ValidationFailed("name", f"A deploy target named {name} exists already.") from None
    return token


async def authenticate_target(token: str | None, pepper: bytes) -> DeployTarget | None:
    if not token or not DEPLOY_TARGET_TOKEN.is_well_formed(token):
        return None
    target = await DeployTarget.get_or_none(token_digest=token_digest(token, pepper))
    if target is None:
        return None
    # A target polls for work all the time; noting every request was a write
    # (and on SQLite a commit that waits for the disk) ahead of every claim.
    now = datetime.now(UTC)
    if target.last_seen_at is None or now - target.last_seen_at >= LAST_SEEN_RESOLUTION:
        await DeployTarget.filter(id=target.id).update(last_seen_at=now)
    return target


async def claim(target: DeployTarget, settings: Settings, keys: ServiceKeys) -> Claim | None:
    """Claim the oldest claimable deployment of the target's region, or None.

    The row's change, its audit events and the minted credential commit in one
    transaction: an answer that never reaches the target leaves a claim whose
    lease runs out, never one without its record. A connection lost during the
    COMMIT is answered 503 with outcome UNKNOWN (app/transactions.py), not
    "nothing was changed"."""
    credential = DEPLOY_CREDENTIAL.new()
    ours = ApplicationsSettings.of(settings)
    now = datetime.now(UTC)
    async with atomic() as connection:
        deployment_id = await leases.take_oldest(
            connection,
            region=target.region,
            target_id=target.id,
            target_name=target.name,
            digest=token_digest(credential, keys.token_pepper),
            now=now,
            credential_expires=now + timedelta(seconds=ours.deploy_credential_ttl),
            lease_expires=now + timedelta(seconds=ours.deploy_lease),
        )
        if deployment_id is None:
            return None
        deployment = await Deployment.get(id=deployment_id).select_related(
            "application", "registry"
        )
        await _audit(target, deployment, "deployment.claimed", f"attempt {deployment.attempts}")
        config = await _docker_config(target, deployment, credential, keys)
    return Claim(deployment, config)


def credential_username(deployment: Deployment) -> str:
    return f"deployment-{deployment.id}"


async def _docker_config(
    target: DeployTarget, deployment: Deployment, credential: str, keys: ServiceKeys
) -> dict[str, Any]:
    """A Docker `config.json` for this deployment's registry: the minted
    credential for a Nodion registry, the stored one for a third-party
    registry, nothing for an anonymous one."""
    registry: Registry | None = deployment.registry
    if registry is None:
        return {"auths": {}}
    actor = f"deploy-target:{target.name}"
    if registry.type is RegistryType.NODION:
        username, secret = credential_username(deployment), credential
        await record(
            project_id=deployment.project_id,
            actor=None,
            actor_email=actor,
            action="credentials.disclosed",
            target_type="Registry",
            target_id=registry.id,
            target_name=registry.name,
            detail=f"deployment:{deployment.id} (minted)",
        )
    else:
        stored = await disclose(
            registry, keys, Purpose.DEPLOYMENT, actor_email=actor, detail=str(deployment.id)
        )
        if stored is None:
            return {"auths": {}}
        username, secret = stored.username, stored.token
    auth = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return {"auths": {registry.hostname: {"auth": auth}}}


async def report(
    target: DeployTarget, deployment_id: int, status: DeploymentStatus, message: str | None
) -> Deployment:
    """The target holding the deployment's lease reports how it ended. The minted
    credential is dropped with it, so it stops working at once. A report from a
    target whose lease ran out (the work went back, maybe to another target) is
    refused with Conflict and recorded: exactly one target ever holds a deployment."""
    if status not in FINAL:
        raise ValidationFailed("status", "Report SUCCEEDED or FAILED.")
    if message is not None and len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationFailed("message", f"A message is at most {MESSAGE_MAX_LENGTH} characters.")
    deployment = await Deployment.get_or_none(id=deployment_id).select_related("application")
    if deployment is None or not await _ever_held(target, deployment):
        raise NotFound("No deployment with this id was claimed by this target.")
    now = datetime.now(UTC)
    async with atomic():
        changed = await Deployment.filter(
            id=deployment_id,
            target_id=target.id,
            status=DeploymentStatus.CLAIMED,
            lease_expires_at__gt=now,
        ).update(
            status=status,
            message=message,
            finished_at=now,
            credential_digest=None,
            credential_expires_at=None,
            lease_expires_at=None,
        )
        if changed:
            await deployment.refresh_from_db()
            await _audit(target, deployment, f"deployment.{status.value.lower()}")
            return deployment
    await deployment.refresh_from_db()
    if deployment.target_id == target.id and deployment.status in FINAL:
        raise Conflict(f"Deployment {deployment_id} has already finished.")
    await _audit(target, deployment, "deployment.late_report", f"{status.value} refused")
    raise LateReport(
        f"Deployment {deployment_id} is no longer held by this target: its lease ran out "
        "and the work was put back. This report was recorded and ignored."
    )


async def heartbeat(target: DeployTarget, deployment_id: int, settings: Settings) -> datetime:
    """Extend the target's lease; Conflict when it no longer holds it."""
    until = await leases.extend(
        deployment_id, target.id, ApplicationsSettings.of(settings).deploy_lease
    )
    if until is not None:
        return until
    deployment = await Deployment.get_or_none(id=deployment_id).select_related("application")
    if deployment is None or not await _ever_held(target, deployment):
        raise NotFound("No deployment with this id was claimed by this target.")
    raise Conflict(
        f"Deployment {deployment_id} is no longer held by this target (its lease ran out, "
        "or it has finished)."
    )


async def _ever_held(target: DeployTarget, deployment: Deployment) -> bool:
    """The target holds the deployment now, or held it in an earlier attempt
    (the audit trail records every claim)."""
    if deployment.target_id == target.id:
        return True
    return await AuditEvent.exists(
        target_type="Deployment",
        target_id=deployment.id,
        action="deployment.claimed",
        actor_email=f"deploy-target:{target.name}",
    )


async def verify_deploy_credential(
    username: str, token: str, service: str, pepper: bytes
) -> Access | None:
    """Token-endpoint verifier for minted credentials: valid for the deployment's
    region registry while it is CLAIMED and unexpired; pull on the project's
    namespace for a prebuilt image, pull and push on exactly `<namespace>/<app>`
    for a build."""
    if not DEPLOY_CREDENTIAL.is_well_formed(token):
        return None
    now = datetime.now(UTC)  # a lease that ran out ends the credential with it
    deployment = (
        await Deployment.filter(
            Q(credential_digest=token_digest(token, pepper))
            & Q(status=DeploymentStatus.CLAIMED)
            & Q(credential_expires_at__gt=now)
            & Q(lease_expires_at__gt=now)
        )
        .select_related("registry", "application__project")
        .first()
    )
    if deployment is None or deployment.registry is None:
        return None
    username_ok = hmac.compare_digest(username.encode(), credential_username(deployment).encode())
    service_ok = hmac.compare_digest(service.encode(), deployment.registry.hostname.encode())
    if not (username_ok and service_ok):
        return None
    namespace = deployment.application.project.namespace
    # A JWT issued for it expires with it at the latest.
    assert deployment.credential_expires_at is not None  # the filter above
    not_after = int(deployment.credential_expires_at.timestamp())
    if deployment.strategy is Strategy.PREBUILT_IMAGE:
        return Access(
            audience=deployment.registry.hostname,
            actions=("pull",),
            namespace=namespace,
            not_after=not_after,
        )
    return Access(
        audience=deployment.registry.hostname,
        actions=("pull", "push"),
        repository=deployment.repository,
        not_after=not_after,
    )


async def _audit(
    target: DeployTarget, deployment: Deployment, action: str, detail: str | None = None
) -> None:
    await record(
        project_id=deployment.project_id,
        actor=None,
        actor_email=f"deploy-target:{target.name}",
        action=action,
        target_type="Deployment",
        target_id=deployment.id,
        target_name=f"{deployment.application.name} #{deployment.id}",
        detail=detail or deployment.status.value,
    )
