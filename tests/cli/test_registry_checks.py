"""`registries add --ca-file`, `verify` and `check-image` through the installed
executable, against a real registry (CNCF distribution) on loopback over TLS."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.errors import ExitCode
from tests.cli.user_cli import UserCli
from tests.conftest import require_or_skip
from tests.e2e.oci_image import write_image
from tests.servers import (
    Service,
    e2e_tools_missing,
    run_cli,
    running_service,
    running_tls_registry,
)
from tests.tls_material import CertificateAuthority


@dataclass
class Registry:
    address: str
    ca_file: Path
    digest: str


@pytest.fixture(scope="module")
def checking_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service that may reach registries on loopback (tests only)."""
    if reason := e2e_tools_missing():
        require_or_skip("NODION_REQUIRE_E2E", reason)
    folder = tmp_path_factory.mktemp("checking-service")
    database = f"sqlite://{folder / 'nodion.sqlite3'}"
    with running_service(
        folder / "data", database, NODION_ALLOWED_REGISTRY_NETWORKS="127.0.0.0/8"
    ) as service:
        yield service


@pytest.fixture(scope="module")
def registry(checking_service: Service, tmp_path_factory: pytest.TempPathFactory):
    """An open registry holding team/app:1."""
    folder = tmp_path_factory.mktemp("open-registry")
    ca = CertificateAuthority.create("CLI test CA")
    (folder / "ca.pem").write_text(ca.pem)
    write_image(folder / "image", "1", b"cli image\n")
    with running_tls_registry(
        folder / "registry", *ca.issue_server_certificate(folder / "tls")
    ) as address:
        skopeo = ["skopeo", "--insecure-policy"]
        subprocess.run(
            [
                *skopeo,
                "copy",
                "--dest-tls-verify=false",
                f"oci:{folder / 'image'}:1",
                f"docker://{address}/team/app:1",
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )
        digest = subprocess.run(
            [
                *skopeo,
                "inspect",
                "--tls-verify=false",
                "--format",
                "{{.Digest}}",
                f"docker://{address}/team/app:1",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        yield Registry(address, folder / "ca.pem", digest)


@pytest.fixture
def user(nodion: UserCli, checking_service: Service) -> UserCli:
    created = run_cli(checking_service.env, "admin", "create-user", f"{uuid.uuid4()}@example.com")
    assert created.returncode == 0, created.stderr
    nodion.login(checking_service.url, created.stdout.strip().splitlines()[-1])
    return nodion


def test_add_verify_and_check_images(user: UserCli, registry: Registry):
    user.ok("projects", "create", "Checks")

    added = user(
        "registries",
        "add",
        "--project",
        "Checks",
        "--type",
        "custom",
        "--hostname",
        registry.address,
        "--ca-file",
        str(registry.ca_file),
        "--json",
    )
    verified = user("registries", "verify", registry.address, "--project", "Checks")
    found = user("registries", "check-image", registry.address, "team/app:1", "--json")
    missing = user("registries", "check-image", registry.address, "team/app:2")
    invalid = user("registries", "check-image", registry.address, "Team/App:1")

    assert added.code == ExitCode.OK, added
    assert added.json()["verificationStatus"] == "OK"
    assert verified.code == ExitCode.OK, verified
    assert verified.stdout.splitlines()[0].split() == ["Status:", "OK"]
    assert found.code == ExitCode.OK, found
    assert found.json() == {
        "status": "FOUND",
        "digest": registry.digest,
        "message": found.json()["message"],
    }
    assert missing.code == ExitCode.NOT_FOUND
    assert "NOT_FOUND" in missing.stdout
    assert invalid.code == ExitCode.REFUSED
    assert "image" in invalid.stderr


def test_a_registry_that_is_not_there_is_refused_with_its_status(
    user: UserCli, registry: Registry, tmp_path: Path
):
    user.ok("projects", "create", "Elsewhere")

    result = user(
        "registries",
        "add",
        "--project",
        "Elsewhere",
        "--type",
        "custom",
        "--hostname",
        "127.0.0.1:9",
        "--ca-file",
        str(registry.ca_file),
    )

    assert result.code == ExitCode.REFUSED
    assert result.stderr.startswith("error: ")
