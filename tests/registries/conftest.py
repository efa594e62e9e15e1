from __future__ import annotations

import pytest

from tests.graphql_documents import (
    ADD_REGISTRY,
    GENERATE_CREDENTIALS,
    create_project,
    default_registry,
)
from tests.tls_material import CertificateAuthority


@pytest.fixture
async def login(api):
    """A project with generated eu-central credentials: (project, username, token)."""
    project = await create_project(api, "Shop")
    made = await api(GENERATE_CREDENTIALS, {"id": default_registry(project)["id"]})
    credentials = made["generateCredentials"]["credentials"]
    return project, credentials["username"], credentials["token"]


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create("test CA")


async def add_custom(
    api, hostname: str, ca_pem: str, project_id: str | None = None, **fields
) -> dict:
    """addRegistry of a CUSTOM registry trusting `ca_pem`; verification on by default."""
    if project_id is None:
        project_id = (await create_project(api))["id"]
    result = await api(
        ADD_REGISTRY,
        {
            "input": {
                "projectId": project_id,
                "type": "CUSTOM",
                "hostname": hostname,
                "caCertificate": ca_pem,
                **fields,
            }
        },
    )
    return result["addRegistry"]
