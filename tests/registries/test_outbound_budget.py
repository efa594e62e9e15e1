"""The registry checks of one request share one time budget (NODION_OUTBOUND_TIMEOUT
for all of them): aliased checks of a host that accepts and never answers end
within that budget, the ones left TIMEOUT without being started (issue 22)."""

from __future__ import annotations

import time

import pytest

from app.security.outbound import Outbound, parse_networks
from tests.graphql_documents import create_project
from tests.registries.fake_servers import silent_server

BUDGET = 1.0
CHECKS = 6


@pytest.fixture
def outbound(resolver) -> Outbound:
    return Outbound(
        parse_networks("127.0.0.0/8"), timeout=BUDGET, max_response_bytes=65_536, resolver=resolver
    )


def aliased_add_registries(count: int) -> str:
    return (
        "mutation($input: AddRegistryInput!) { "
        + " ".join(
            f"a{n}: addRegistry(input: $input) {{ __typename "
            "... on RegistryVerificationError { status message } }"
            for n in range(count)
        )
        + " }"
    )


async def test_aliased_checks_share_one_budget_and_the_rest_time_out_unstarted(api, ca):
    project = await create_project(api)
    async with silent_server("127.0.0.1") as silent:
        started = time.monotonic()
        data = await api(
            aliased_add_registries(CHECKS),
            {
                "input": {
                    "projectId": project["id"],
                    "type": "CUSTOM",
                    "hostname": silent.address,
                    "caCertificate": ca.pem,
                    "verify": True,
                }
            },
        )
        elapsed = time.monotonic() - started
        connections = len(silent.connections)

    results = [data[f"a{n}"] for n in range(CHECKS)]
    assert all(r["__typename"] == "RegistryVerificationError" for r in results), results
    assert all(r["status"] == "TIMEOUT" for r in results), results
    # Mutations run one after another: a budget per check would wait CHECKS * BUDGET
    # (each check its own full BUDGET); the shared one ends after about BUDGET.
    assert BUDGET <= elapsed < CHECKS * BUDGET, elapsed
    assert "did not answer within" in results[0]["message"]
    unstarted = [r for r in results if "was not checked" in r["message"]]
    assert len(unstarted) >= CHECKS - 2, results
    assert "NODION_OUTBOUND_TIMEOUT" in unstarted[-1]["message"]
    assert connections <= CHECKS - len(unstarted)  # the ones left were never started


async def test_each_request_gets_its_own_budget(api, ca):
    project = await create_project(api)
    variables = {
        "input": {
            "projectId": project["id"],
            "type": "CUSTOM",
            "hostname": "",
            "caCertificate": ca.pem,
            "verify": True,
        }
    }
    async with silent_server("127.0.0.1") as silent:
        variables["input"]["hostname"] = silent.address
        first = await api(aliased_add_registries(2), variables)
        second = await api(aliased_add_registries(1), variables)

    assert "did not answer within" in first["a0"]["message"]
    assert "was not checked" in first["a1"]["message"]
    # The next request starts with the whole budget again.
    assert "did not answer within" in second["a0"]["message"]
