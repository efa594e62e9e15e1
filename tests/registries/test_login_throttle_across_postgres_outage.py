"""Logins while PostgreSQL is down, then after it is back (issue 30, item 6).

A login whose throttle count or credential lookup raised (the database was
down) never handed its pending slot back, so after
NODION_AUTH_MAX_PENDING_LOGINS_PER_ADDRESS such logins its address was refused
429 "Too many failed logins" for up to a window after the database came back,
though no login had failed. On a cluster of the test's own, stopped and started:
during the outage every login is answered 503 and none is counted as failed;
once it is back, the right token logs in at once."""

from __future__ import annotations

from pathlib import Path

from app.registries.models import REGISTRY_TOKEN
from tests.registries.test_login_throttle_served import client_from, credentials, login
from tests.servers import free_port, running_service
from tests.support.private_postgres import private_cluster

PENDING = 4


def test_logins_during_an_outage_leave_no_slot_taken_and_no_failure_counted(tmp_path: Path):
    with (
        private_cluster(free_port()) as cluster,
        running_service(
            tmp_path / "data",
            cluster.url,
            NODION_LOG_LEVEL="WARNING",
            NODION_AUTH_MAX_PENDING_LOGINS_PER_ADDRESS=str(PENDING),
            # Were the outage counted as failures, these would refuse the address.
            NODION_AUTH_MAX_FAILURES_PER_ADDRESS="3",
            NODION_AUTH_MAX_FAILURES_PER_ADDRESS_AND_USERNAME="3",
        ) as service,
        client_from("127.0.0.1") as http,
    ):
        username, token = credentials(service)
        assert login(http, service.url, username, token) == 200

        cluster.stop()
        during = [login(http, service.url, username, token) for _ in range(3 * PENDING)]
        cluster.start()
        after = login(http, service.url, username, token)

        assert set(during) == {503}, during
        assert after == 200


def test_a_wrong_token_during_the_outage_is_not_a_failure(tmp_path: Path):
    """Nothing could be looked up, so nothing is known to be wrong: not counted."""
    with (
        private_cluster(free_port()) as cluster,
        running_service(
            tmp_path / "data",
            cluster.url,
            NODION_LOG_LEVEL="WARNING",
            NODION_AUTH_MAX_FAILURES_PER_ADDRESS="2",
            NODION_AUTH_MAX_FAILURES_PER_ADDRESS_AND_USERNAME="2",
        ) as service,
        client_from("127.0.0.1") as http,
    ):
        username, token = credentials(service)
        cluster.stop()
        during = [login(http, service.url, username, REGISTRY_TOKEN.new()) for _ in range(5)]
        cluster.start()
        after = login(http, service.url, username, token)

        assert set(during) == {503}, during
        assert after == 200
