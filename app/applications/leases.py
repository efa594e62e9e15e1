"""Leases on claimed deployments: a claim holds its deployment until
`lease_expires_at`; the target extends it with heartbeats; past it the work goes
back, so a target that died (or never received its answer) leaves nothing stuck.

No timer is the source of truth. The claim itself takes the oldest row that is
PENDING, or CLAIMED with a lease that ran out, in one conditional UPDATE that
bumps the attempt count; the minted credential and every status report check the
lease in the same row. `expire_leases` only tidies what no claim has taken yet
(a lost lease shows as PENDING again, the third one as FAILED) and records it;
any worker may run it at any time, as often as it likes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient

from app.applications.metrics import record_transition
from app.applications.models import Deployment, DeploymentStatus
from app.applications.settings import ApplicationsSettings
from app.audit.service import record
from app.domain import PeriodicTask, Running
from app.transactions import atomic

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LOST_MESSAGE = (
    f"The deploy target's lease ran out {MAX_ATTEMPTS} times (no heartbeat or status report "
    "in time); not tried again."
)

# One statement: which row, and that it is ours. On PostgreSQL the subquery
# locks its row and skips rows another claim holds locked, so racing targets
# take different rows instead of queueing for the oldest one; SQLite has one
# writer at a time, so the statement alone is atomic there.
_TAKE = """
UPDATE deployments SET
    status = 'CLAIMED', claimed_at = {now}, target_id = {target_id}, target_name = {target_name},
    credential_digest = {digest}, credential_expires_at = {credential_expires},
    lease_expires_at = {lease_expires}, attempts = attempts + 1, message = NULL
WHERE id = ({claimable})
RETURNING id
"""
# The oldest claimable row of the region, through the index of the unfinished
# deployments (migration 0013): its rows in id order, of which the claim skips
# only CLAIMED ones whose lease still runs. SQLite uses a partial index only when
# the query repeats the index's condition, so there the condition is spelled
# out. PostgreSQL infers it from the OR, and spelled out it lowered the row
# estimate so far that the planner sorted all the region's PENDING rows instead.
_CLAIMABLE = """
    SELECT id FROM deployments
    WHERE region = {region}{unfinished}
      AND (status = 'PENDING' OR (status = 'CLAIMED' AND lease_expires_at <= {now}))
      AND attempts < {max_attempts}
    ORDER BY id LIMIT 1{lock}
"""
_UNFINISHED = " AND status IN ('PENDING', 'CLAIMED')"
assert DeploymentStatus.PENDING.value == "PENDING"  # the literals above
assert DeploymentStatus.CLAIMED.value == "CLAIMED"
_NAMES = (
    "now",
    "target_id",
    "target_name",
    "digest",
    "credential_expires",
    "lease_expires",
    "region",
    "max_attempts",
)
_TEXTS: dict[str, str] = {}


def take_statement(dialect: str) -> str:
    """The claim's UPDATE in `dialect`; its parameters come from `take_values`."""
    text = _TEXTS.get(dialect)
    if text is None:
        sign = "?" if dialect == "sqlite" else "$"
        marks = {name: f"{sign}{n}" for n, name in enumerate(_NAMES, start=1)}
        if dialect == "sqlite":
            claimable = _CLAIMABLE.format(unfinished=_UNFINISHED, lock="", **marks)
        else:
            claimable = _CLAIMABLE.format(unfinished="", lock=" FOR UPDATE SKIP LOCKED", **marks)
        text = _TEXTS[dialect] = _TAKE.format(claimable=claimable, **marks)
    return text


def take_values(
    *,
    region: str,
    target_id: int,
    target_name: str,
    digest: str,
    now: datetime,
    credential_expires: datetime,
    lease_expires: datetime,
) -> list[Any]:
    values = {
        "now": now,
        "target_id": target_id,
        "target_name": target_name,
        "digest": digest,
        "credential_expires": credential_expires,
        "lease_expires": lease_expires,
        "region": region,
        "max_attempts": MAX_ATTEMPTS,
    }
    return [values[name] for name in _NAMES]


async def take_oldest(
    connection: BaseDBAsyncClient,
    *,
    region: str,
    target_id: int,
    target_name: str,
    digest: str,
    now: datetime,
    credential_expires: datetime,
    lease_expires: datetime,
) -> int | None:
    """Claim the oldest claimable deployment of `region` in the caller's
    transaction; its id, or None when there is none."""
    values = take_values(
        region=region,
        target_id=target_id,
        target_name=target_name,
        digest=digest,
        now=now,
        credential_expires=credential_expires,
        lease_expires=lease_expires,
    )
    # execute_query_dict: Tortoise's execute_query drops the rows of an UPDATE.
    rows = await connection.execute_query_dict(
        take_statement(connection.capabilities.dialect), values
    )
    return int(rows[0]["id"]) if rows else None


async def extend(deployment_id: int, target_id: int, lease_seconds: int) -> datetime | None:
    """A heartbeat: the new end of the lease, or None when the target does not
    hold the deployment (any more)."""
    now = datetime.now(UTC)
    until = now + timedelta(seconds=lease_seconds)
    changed = await Deployment.filter(
        id=deployment_id,
        target_id=target_id,
        status=DeploymentStatus.CLAIMED,
        lease_expires_at__gt=now,
    ).update(lease_expires_at=until)
    return until if changed else None


# Through the index of unfinished deployments, like the claim (no other index
# starts with status): without it every sweep read the whole history.
_EXPIRED = """
SELECT id FROM deployments
WHERE status IN ('PENDING', 'CLAIMED') AND status = 'CLAIMED' AND lease_expires_at <= {now}
"""


def expired_statement(dialect: str) -> str:
    """The ids of the deployments whose lease ran out, as of the one parameter."""
    return _EXPIRED.format(now="?" if dialect == "sqlite" else "$1")


async def _expired_leases(now: datetime) -> list[int]:
    connection = Tortoise.get_connection("default")
    statement = expired_statement(connection.capabilities.dialect)
    rows = await connection.execute_query_dict(statement, [now])
    return [int(row["id"]) for row in rows]


async def expire_leases(now: datetime | None = None) -> int:
    """Put back every deployment whose lease ran out (FAILED after the last
    attempt), each with its audit event in the same transaction; how many."""
    now = now or datetime.now(UTC)
    expired = await _expired_leases(now)
    count = 0
    for deployment_id in expired:
        async with atomic():
            deployment = await Deployment.get_or_none(id=deployment_id).select_related(
                "application"
            )
            if deployment is None:
                continue
            final = deployment.attempts >= MAX_ATTEMPTS
            status = DeploymentStatus.FAILED if final else DeploymentStatus.PENDING
            changed = await Deployment.filter(
                id=deployment_id,
                status=DeploymentStatus.CLAIMED,
                lease_expires_at__lte=now,
                attempts=deployment.attempts,
            ).update(
                status=status,
                message=LOST_MESSAGE if final else None,
                finished_at=now if final else None,
                credential_digest=None,
                credential_expires_at=None,
                lease_expires_at=None,
            )
            if not changed:  # claimed again, or reported, meanwhile
                continue
            await record(
                project_id=deployment.project_id,
                actor=None,
                actor_email=f"deploy-target:{deployment.target_name}",
                action="deployment.lease_lost",
                target_type="Deployment",
                target_id=deployment.id,
                target_name=f"{deployment.application.name} #{deployment.id}",
                detail=f"attempt {deployment.attempts}: {status.value}",
            )
            record_transition("lease_lost")
            if final:
                record_transition("failed")
            count += 1
    return count


def sweep_interval(lease_seconds: int) -> float:
    """Often enough that a lost lease shows within a fifth of the lease."""
    return max(1.0, min(lease_seconds / 5, 30.0))


async def _sweep(running: Running) -> None:
    await expire_leases()


# Claims whose holder went silent are released while `nodion serve` runs.
LEASE_SWEEPING = PeriodicTask(
    "lease-sweeping",
    every=lambda settings: sweep_interval(ApplicationsSettings.of(settings).deploy_lease),
    run=_sweep,
)
