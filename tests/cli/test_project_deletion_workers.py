"""Deleting a project under `nodion serve --workers 2`: every token of the
project (a registry access token and a deployment's minted credential) is
refused by every worker at once, and the operator still reads the audit trail
of the deletion with `nodion admin audit --project-namespace`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx

from tests.cli.test_workers import REFUSALS_EXPECTED, login_statuses, worker_pids
from tests.graphql_documents import DELETE_PROJECT, GENERATE_CREDENTIALS
from tests.servers import run_cli, running_service

EU = "registry.eu-central.nodion.net"
CREATE = """mutation { createProject(input: {name: "Doomed"}) {
  ... on CreateProjectSuccess { project { id namespace registries { id region isDefault } } } } }"""
CREATE_APP = """mutation($p: ID!) { createApplication(input: {projectId: $p, name: "web",
  region: "eu-central", strategy: PREBUILT_IMAGE, image: "nginx"}) {
  ... on CreateApplicationSuccess { application { id } } } }"""
DEPLOY = """mutation($a: ID!) { deployApplication(applicationId: $a) { __typename } }"""


def test_deleting_a_project_refuses_its_tokens_on_every_worker_and_keeps_its_audit(
    tmp_path: Path, database_url: str
):
    with running_service(
        tmp_path / "data",
        database_url,
        workers=2,
        **REFUSALS_EXPECTED,
    ) as service:
        assert len(worker_pids(service.pid)) == 2
        project = service.graphql(CREATE)["createProject"]["project"]
        registry = next(r for r in project["registries"] if r["region"] == "eu-central")
        made = service.graphql(GENERATE_CREDENTIALS, variables={"id": registry["id"]})
        credentials = made["generateCredentials"]["credentials"]
        registry_login = (credentials["username"], credentials["token"])
        app = service.graphql(CREATE_APP, variables={"p": project["id"]})
        service.graphql(DEPLOY, variables={"a": app["createApplication"]["application"]["id"]})
        target = run_cli(service.env, "admin", "create-deploy-target", "eu-1", "--region",
                         "eu-central", "--json")  # fmt: skip
        assert target.returncode == 0, target.stderr
        claim = httpx.post(
            service.url + "/deploy/v1/deployments/claim",
            headers={"Authorization": f"Bearer {json.loads(target.stdout)['token']}"},
            timeout=10,
        )
        assert claim.status_code == 200
        auth = claim.json()["dockerConfig"]["auths"][EU]["auth"]
        username, _, token = base64.b64decode(auth).decode().partition(":")
        deploy_login = (username, token)
        for login in (registry_login, deploy_login):
            # Twice: the second round is answered from what each worker kept.
            assert login_statuses(service.url, *login) == {200}
            assert login_statuses(service.url, *login) == {200}

        refused = service.graphql(DELETE_PROJECT, variables={"id": project["id"]})
        assert refused["deleteProject"]["__typename"] == "ConflictError"
        assert login_statuses(service.url, *registry_login) == {200}  # nothing changed
        deleted = service.graphql(DELETE_PROJECT, variables={"id": project["id"], "force": True})
        assert deleted["deleteProject"]["__typename"] == "DeleteProjectSuccess"

        # One transaction removed every row holding a credential of the project;
        # its commit changed the database version every worker keeps logins under.
        for login in (registry_login, deploy_login):
            assert login_statuses(service.url, *login) == {401}

        audit = run_cli(
            service.env, "admin", "audit", "--project-namespace", project["namespace"], "--json"
        )
        assert audit.returncode == 0, audit.stderr
        events = json.loads(audit.stdout)
        assert events[0]["action"] == "project.deleted"
        assert events[0]["detail"] == "forced"
        assert events[0]["targetName"] == "Doomed"
        assert events[-1]["action"] == "project.created"
        assert all(event["projectDeleted"] for event in events)
        table = run_cli(service.env, "admin", "audit", "--project-namespace", project["namespace"])
        assert table.returncode == 0, table.stderr
        assert "project.deleted" in table.stdout and "deleted" in table.stdout.splitlines()[1]
        assert token not in audit.stdout + table.stdout
