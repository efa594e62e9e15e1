"""Every worker of `nodion serve` runs the periodic image retention: of the runs
that wake together, exactly one applies a policy, once per interval, on SQLite
and PostgreSQL; `nodion admin apply-retention` applies it whenever asked.
(The deletions themselves: tests/e2e/test_images_e2e.py.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.domains import hooks
from app.registries.image_models import RetentionPolicy
from app.registries.images.retention import TURN_SHARE, apply_retention
from tests.graphql_documents import SET_RETENTION_POLICY, create_project, default_registry
from tests.registries.images.events import T0, digest_of, envelope, push

HOUR = 3600


@pytest.fixture
async def policy(api, notify) -> str:
    """keepLast 1 over three tags: `v2` shares the kept manifest, `v1` is past
    the policy (its deletion reaches the registry API, a closed loopback port)."""
    project = await create_project(api, "Shop")
    registry = default_registry(project)
    web = f"{project['namespace']}/web"
    await notify(
        envelope(
            push(web, "v1", digest_of("a"), at=T0),
            push(web, "v2", digest_of("b"), at=T0 + timedelta(hours=1)),
            push(web, "latest", digest_of("b"), at=T0 + timedelta(hours=2)),
        )
    )
    result = await api(
        SET_RETENTION_POLICY, {"input": {"registryId": registry["id"], "keepLast": 1}}
    )
    assert result["setRetentionPolicy"]["__typename"] == "SetRetentionPolicySuccess", result
    return web


async def periodic_run(settings, keys) -> list[str]:
    outcomes = await apply_retention(settings, keys, hooks(), every=HOUR)
    return sorted(f"{o.repository}:{','.join(o.tags)}" for o in outcomes)


async def test_of_runs_that_wake_together_exactly_one_applies_a_policy(policy, settings, keys):
    runs = await asyncio.gather(*(periodic_run(settings, keys) for _ in range(4)))

    applied = [run for run in runs if run]
    assert applied == [[f"{policy}:v1", f"{policy}:v2"]], runs
    # Until its turn comes again, no run applies it.
    assert await periodic_run(settings, keys) == []


async def test_a_policy_is_applied_again_once_its_turn_has_come(policy, settings, keys):
    assert await periodic_run(settings, keys) != []
    almost = datetime.now(UTC) - timedelta(seconds=HOUR * TURN_SHARE - 60)
    await RetentionPolicy.all().update(applied_at=almost)
    assert await periodic_run(settings, keys) == []

    due = datetime.now(UTC) - timedelta(seconds=HOUR * TURN_SHARE + 1)
    await RetentionPolicy.all().update(applied_at=due)
    assert await periodic_run(settings, keys) == [f"{policy}:v1", f"{policy}:v2"]


async def test_the_admin_command_applies_whenever_asked_and_a_dry_run_takes_no_turn(
    policy, settings, keys
):
    dry = await apply_retention(settings, keys, hooks(), dry_run=True)
    assert sorted(o.tags for o in dry) == [("v1",), ("v2",)]
    assert (await RetentionPolicy.get()).applied_at is None  # the next periodic run still runs

    for _ in range(2):
        applied = await apply_retention(settings, keys, hooks())
        assert sorted(o.tags for o in applied) == [("v1",), ("v2",)]
    assert await periodic_run(settings, keys) == []  # it was applied just now
