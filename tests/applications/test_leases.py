"""Leases on claimed deployments, in-process on SQLite and PostgreSQL: a lost
lease puts the work back with its credential dead at once, a late report from
the superseded holder is refused (409) and recorded, the third lost lease
fails the deployment, and every claim commits with its audit event.

A lease "runs out" here by moving its end into the past in the database (the
real clock runs in tests/applications/test_lease_processes.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from app.applications.leases import LOST_MESSAGE, MAX_ATTEMPTS, expire_leases
from app.applications.models import Deployment
from app.applications.settings import ApplicationsSettings
from app.audit.models import AuditEvent
from tests.applications.test_deploy_api import CLAIM, access_for, prebuilt_app
from tests.graphql_documents import deploy_application


async def run_out(number: int) -> None:
    await Deployment.filter(id=number).update(
        lease_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )


def url(number: int, what: str) -> str:
    return f"/deploy/v1/deployments/{number}/{what}"


async def test_a_claim_holds_a_lease_that_heartbeats_extend(client, api, make_target, settings):
    _, app = await prebuilt_app(api)
    await deploy_application(api, app["id"])
    target = await make_target("eu-1")
    before = datetime.now(UTC)
    body = (await client.post(CLAIM, headers=target)).json()
    deployment = body["deployment"]
    assert deployment["attempt"] == 1
    lease = datetime.fromisoformat(deployment["leaseExpiresAt"])
    assert before + timedelta(seconds=ApplicationsSettings.of(settings).deploy_lease - 5) < lease

    await Deployment.filter(id=deployment["number"]).update(
        lease_expires_at=datetime.now(UTC) + timedelta(seconds=2)
    )
    beat = await client.post(url(deployment["number"], "heartbeat"), headers=target)
    assert beat.status_code == 200, beat.text
    assert datetime.fromisoformat(beat.json()["leaseExpiresAt"]) > datetime.now(UTC) + timedelta(
        seconds=ApplicationsSettings.of(settings).deploy_lease - 5
    )
    stranger = await make_target("eu-2")
    assert (
        await client.post(url(deployment["number"], "heartbeat"), headers=stranger)
    ).status_code == 404


async def test_a_lost_lease_puts_the_work_back_and_the_late_holder_is_refused(
    client, api, make_target
):
    _, app = await prebuilt_app(api)
    await deploy_application(api, app["id"])
    dead, alive = await make_target("eu-1"), await make_target("eu-2")
    first = (await client.post(CLAIM, headers=dead)).json()
    number = first["deployment"]["number"]
    first_auth = first["dockerConfig"]["auths"]["registry.eu-central.nodion.net"]["auth"]
    assert isinstance(await access_for(client, first_auth, []), list)
    assert (await client.post(CLAIM, headers=alive)).status_code == 204  # held

    await run_out(number)
    # No sweep has run: the credential dies with the lease all the same.
    assert await access_for(client, first_auth, []) == 401
    second = await client.post(CLAIM, headers=alive)
    assert second.status_code == 200
    assert second.json()["deployment"]["number"] == number
    assert second.json()["deployment"]["attempt"] == 2

    late = await client.post(url(number, "status"), json={"status": "SUCCEEDED"}, headers=dead)
    assert late.status_code == 409
    assert "lease ran out" in late.json()["error"]["message"]
    assert (await client.post(url(number, "heartbeat"), headers=dead)).status_code == 409
    recorded = await AuditEvent.filter(action="deployment.late_report", target_id=number).first()
    assert recorded is not None and recorded.actor_email == "deploy-target:eu-1"

    done = await client.post(url(number, "status"), json={"status": "SUCCEEDED"}, headers=alive)
    assert done.status_code == 200
    row = await Deployment.get(id=number)
    assert (row.status, row.target_name, row.attempts) == ("SUCCEEDED", "eu-2", 2)


async def test_a_report_racing_the_expiry_loses_cleanly(client, api, make_target):
    """The lease ran out and nobody claimed yet: the holder's report is late."""
    _, app = await prebuilt_app(api)
    await deploy_application(api, app["id"])
    target = await make_target("eu-1")
    number = (await client.post(CLAIM, headers=target)).json()["deployment"]["number"]
    await run_out(number)
    late = await client.post(url(number, "status"), json={"status": "FAILED"}, headers=target)
    assert late.status_code == 409
    assert await expire_leases() == 1
    row = await Deployment.get(id=number)
    assert (row.status, row.credential_digest, row.lease_expires_at) == ("PENDING", None, None)
    assert await AuditEvent.filter(action="deployment.lease_lost", target_id=number).count() == 1


async def test_three_lost_leases_fail_the_deployment(client, api, make_target):
    _, app = await prebuilt_app(api)
    deployment = await deploy_application(api, app["id"])
    target = await make_target("eu-1")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        body = (await client.post(CLAIM, headers=target)).json()
        assert body["deployment"]["attempt"] == attempt
        await run_out(body["deployment"]["number"])
    assert (await client.post(CLAIM, headers=target)).status_code == 204  # not a 4th time
    assert await expire_leases() == 1
    state = await api(
        "query($id: ID!) { node(id: $id) { ... on Deployment { status message } } }",
        {"id": deployment["id"]},
    )
    assert state["node"] == {"status": "FAILED", "message": LOST_MESSAGE}
    assert "3 times" in LOST_MESSAGE


async def test_every_claim_commits_with_its_audit_event(client, api, make_target):
    _, app = await prebuilt_app(api)
    for _ in range(12):
        await deploy_application(api, app["id"])
    targets = [await make_target(f"eu-{n}") for n in range(3)]
    for _round in range(2):
        responses = await asyncio.gather(
            *(client.post(CLAIM, headers=targets[n % 3]) for n in range(18))
        )
        numbers = [r.json()["deployment"]["number"] for r in responses if r.status_code == 200]
        assert len(numbers) == len(set(numbers)) == 12
        await Deployment.all().update(lease_expires_at=datetime.now(UTC) - timedelta(seconds=1))
    claimed_events = await AuditEvent.filter(action="deployment.claimed").count()
    attempts = sum(await Deployment.all().values_list("attempts", flat=True))
    assert claimed_events == attempts == 24


async def test_a_path_with_the_global_id_instead_of_the_number_says_which_to_send(
    client, api, make_target
):
    _, app = await prebuilt_app(api)
    await deploy_application(api, app["id"])
    target = await make_target("eu-1")
    deployment = (await client.post(CLAIM, headers=target)).json()["deployment"]

    for what in ("heartbeat", "status"):
        sent = await client.post(
            f"/deploy/v1/deployments/{deployment['id']}/{what}",
            json={"status": "SUCCEEDED"},
            headers=target,
        )
        assert sent.status_code == 404
        assert "number" in sent.json()["error"]["message"]
    beat = await client.post(url(deployment["number"], "heartbeat"), headers=target)
    assert beat.status_code == 200
