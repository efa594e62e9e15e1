"""`nodion registries tokens list|create|rotate|revoke` as a user runs them:
the installed executable against the service over HTTP."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.cli.errors import ExitCode
from app.cli.registry_tokens import expires, seconds
from app.registries.models import REGISTRY_TOKEN
from tests.cli.user_cli import UserCli

EU = "registry.eu-central.nodion.net"


def test_create_prints_the_token_once_and_list_shows_no_secret(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")

    made = logged_in.ok(
        "registries", "tokens", "create", EU, "--name", "deploys", "--scope", "pull",
        "--expires-in", "3d",
    )  # fmt: skip
    listed = logged_in.ok("registries", "tokens", "list", EU)
    as_json = logged_in.ok("registries", "tokens", "list", EU, "--json").json()

    token = next(line.split()[-1] for line in made.stdout.splitlines() if line.startswith("Token:"))
    assert REGISTRY_TOKEN.is_well_formed(token)
    assert "shown this once" in made.stdout
    assert f"docker login {EU} --username shop" in made.stdout
    assert "expires in 2 days" in made.stdout  # the reminder: within 7 days
    header, row = listed.stdout.splitlines()
    assert header.split()[:3] == ["NAME", "SCOPE", "STATUS"]
    assert row.split()[:3] == ["deploys", "PULL", "ACTIVE"]
    assert "expires in 2 days" in row
    assert token not in listed.stdout
    assert [t["name"] for t in as_json] == ["deploys"]
    assert token not in str(as_json)


def test_output_file_holds_the_token_for_its_owner_only(logged_in: UserCli, tmp_path: Path):
    logged_in.ok("projects", "create", "Shop")
    target = tmp_path / "token.txt"
    target.write_text("old contents\n")
    target.chmod(0o644)

    made = logged_in.ok(
        "registries", "tokens", "create", EU, "--name", "ci", "--scope", "push",
        "--output-file", str(target), "--json",
    )  # fmt: skip

    token = target.read_text().strip()
    assert REGISTRY_TOKEN.is_well_formed(token)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert token not in made.stdout
    body = made.json()
    assert "token" not in body["credentials"]
    assert body["token"]["scope"] == "PUSH"


def test_rotate_by_name_keeps_the_old_token_for_the_grace(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")
    logged_in.ok("registries", "tokens", "create", EU, "--name", "ci", "--scope", "push")

    rotated = logged_in.ok("registries", "tokens", "rotate", EU, "ci", "--grace", "1h", "--json")
    again = logged_in("registries", "tokens", "rotate", EU, "ci", "--grace", "1d")
    listed = logged_in.ok("registries", "tokens", "list", EU, "--json").json()

    body = rotated.json()
    assert REGISTRY_TOKEN.is_well_formed(body["credentials"]["token"])
    assert body["replaced"]["status"] == "EXPIRING"
    # The name means the token, whose current secret rotates; the secret still in
    # its grace period from the first rotation stops, and the output says so.
    assert again.code == ExitCode.OK, again
    assert "The old secret works until" in again.stdout
    first_hint = body["replaced"]["tokenHint"]
    assert f"The secret before it (…{first_hint})" in again.stdout
    assert "stopped working now" in again.stdout
    # One row per token, with its previous secret's end.
    assert [(t["name"], t["status"]) for t in listed] == [("ci", "ACTIVE")]
    assert listed[0]["graceEndsAt"] is not None
    assert listed[0]["graceTokenHint"] == body["token"]["tokenHint"]


def test_revoke_by_name_after_a_rotation_stops_both_secrets(logged_in: UserCli):
    """Issue 30: `revoke … deploys` after `rotate … deploys --grace 1h` said "it
    stops working now" while the secret in its grace period kept working."""
    logged_in.ok("projects", "create", "Shop")
    made = logged_in.ok(
        "registries", "tokens", "create", EU, "--name", "deploys", "--scope", "pull", "--json"
    ).json()
    rotated = logged_in.ok(
        "registries", "tokens", "rotate", EU, "deploys", "--grace", "1h", "--json"
    ).json()
    listed = logged_in.ok("registries", "tokens", "list", EU)

    revoked = logged_in("registries", "tokens", "revoke", EU, "deploys")
    after = logged_in.ok("registries", "tokens", "list", EU, "--all", "--json").json()
    old = logged_in("registries", "tokens", "revoke", EU, made["token"]["id"])

    old_hint, new_hint = made["token"]["tokenHint"], rotated["token"]["tokenHint"]
    header, row = listed.stdout.splitlines()
    assert "PREVIOUS SECRET" in header
    assert f"…{old_hint} until" in row
    assert revoked.code == ExitCode.OK, revoked
    assert f"…{new_hint} and …{old_hint} stop working now" in revoked.stdout
    assert [(t["name"], t["status"], t["graceEndsAt"]) for t in after] == [
        ("deploys", "REVOKED", None)
    ]
    assert old.code == ExitCode.REFUSED  # by the old secret's ID: revoked with its token
    assert "revoked already" in old.stderr


def test_revoke_by_id_and_refusals(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")
    logged_in.ok("projects", "create", "Other")
    made = logged_in.ok(
        "registries", "tokens", "create", EU, "--project", "Shop", "--name", "ci",
        "--scope", "push", "--json",
    ).json()  # fmt: skip
    theirs = logged_in.ok(
        "registries", "tokens", "create", EU, "--project", "Other", "--name", "ci",
        "--scope", "pull", "--json",
    ).json()  # fmt: skip
    shop = ("--project", "Shop")

    other_registry = logged_in("registries", "tokens", "revoke", EU, *shop, theirs["token"]["id"])
    revoked = logged_in("registries", "tokens", "revoke", EU, *shop, made["token"]["id"])
    again = logged_in("registries", "tokens", "revoke", EU, *shop, made["token"]["id"])
    unknown = logged_in("registries", "tokens", "revoke", EU, *shop, "nope")
    bad_grace = logged_in("registries", "tokens", "rotate", EU, *shop, "ci", "--grace", "-1")
    long_name = logged_in(
        "registries", "tokens", "create", EU, *shop, "--name", "x" * 200, "--scope", "pull"
    )
    listed = logged_in.ok("registries", "tokens", "list", EU, *shop, "--all", "--json").json()

    # Another registry's token ID is not one of this registry's tokens.
    assert other_registry.code == ExitCode.NOT_FOUND
    assert revoked.code == ExitCode.OK, revoked
    assert "stops working now" in revoked.stdout
    assert again.code == ExitCode.REFUSED
    assert "revoked already" in again.stderr
    assert unknown.code == ExitCode.NOT_FOUND
    assert bad_grace.code == ExitCode.USAGE
    assert long_name.code == ExitCode.REFUSED
    assert "(fix: --name)" in long_name.stderr  # the API field, named as the CLI option
    assert [(t["name"], t["status"]) for t in listed] == [("ci", "REVOKED")]


def test_durations_and_reminders():
    assert [seconds(text, "--x") for text in ("90", "90s", "15m", "12h", "7d")] == [
        90,
        90,
        900,
        43_200,
        604_800,
    ]
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def at(delta: timedelta) -> dict:
        return {"expiresAt": (now + delta).isoformat()}

    assert expires({"expiresAt": None}, now) == "never"
    assert expires(at(timedelta(days=3, hours=2)), now) == "expires in 3 days"
    assert expires(at(timedelta(hours=1)), now) == "expires in 1 hour"
    assert expires(at(timedelta(days=30)), now) == "2026-01-31"
    assert expires(at(-timedelta(minutes=1)), now).startswith("ended ")
