"""Lost development keys, as an unlucky operator meets them: `nodion serve`
refuses to start naming the key, and `nodion admin rotate-keys` names the rows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.servers import NODION, free_port, run_cli, running_service, wait_for_port

CREATE = """mutation { createProject(input: {name: "Demo"}) {
  ... on CreateProjectSuccess { project { registries { id region } } } } }"""
GENERATE = """mutation($id: ID!) { generateCredentials(registryId: $id) { __typename } }"""
DEV_KEYS = {"NODION_ENCRYPTION_KEYS": "", "NODION_TOKEN_PEPPER": ""}  # generated in data_dir


def serve_until_it_exits(env: dict[str, str]) -> tuple[int, str]:
    """Start `nodion serve`; fail if it starts listening instead of refusing."""
    port = free_port()
    process = subprocess.Popen(
        [*NODION, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process, seconds=30)
    except RuntimeError:  # it exited before listening: what we want
        assert process.stdout is not None
        return process.wait(), process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    raise AssertionError("nodion serve started although the keys of the stored data are gone")


def test_lost_development_keys_stop_the_service_and_rotation(tmp_path: Path, database_url: str):
    data_dir = tmp_path / "data"
    with running_service(data_dir, database_url, **DEV_KEYS) as service:
        project = service.graphql(CREATE)["createProject"]["project"]
        registry_ids = [registry["id"] for registry in project["registries"]]
        for registry_id in registry_ids:
            service.graphql(GENERATE, variables={"id": registry_id})
        env = service.env
    lost_key_id = json.loads((data_dir / "dev-keys.json").read_text())["encryption_keys"]
    lost_key_id = lost_key_id.split(":")[0]
    (data_dir / "dev-keys.json").unlink()

    returncode, output = serve_until_it_exits(env)
    rotation = run_cli(env, "admin", "rotate-keys")

    assert returncode != 0
    assert not (data_dir / "dev-keys.json").exists()  # no new key file left behind
    assert f"encryption key '{lost_key_id}' is not in NODION_ENCRYPTION_KEYS" in output
    assert "NODION_TOKEN_PEPPER" in output
    assert "Traceback" not in output
    assert rotation.returncode == 1
    assert "Re-encrypted" not in rotation.stdout
    assert "2 secrets do not decrypt" in rotation.stderr
    assert f"key '{lost_key_id}'" in rotation.stderr


def test_a_deleted_dev_key_file_is_refused_without_writing_a_new_one(tmp_path: Path):
    data_dir = tmp_path / "data"
    with running_service(
        data_dir, f"sqlite://{data_dir / 'nodion.sqlite3'}", **DEV_KEYS
    ) as service:
        env = service.env
    (data_dir / "dev-keys.json").unlink()

    returncode, output = serve_until_it_exits(env)

    assert returncode != 0
    assert "stored data needs keys that are not configured" in output
    assert "Traceback" not in output
    assert not (data_dir / "dev-keys.json").exists()
