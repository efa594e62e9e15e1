"""Issue 23 through the installed `nodion`, as a new user meets it: duplicates
refused with the CLI's own words, enum values in any case, help text that
reads, local times, and the documented exit codes in admin commands too."""

from __future__ import annotations

import re

from app.cli.errors import ExitCode
from tests.cli.user_cli import UserCli
from tests.servers import Service, run_cli


def test_the_same_project_name_twice_is_refused_naming_the_first(logged_in: UserCli):
    first = logged_in.ok("projects", "create", "Shop", "--json").json()

    again = logged_in("projects", "create", "SHOP")
    shown = logged_in("registries", "list", "--project", "Shop")

    assert again.code == ExitCode.REFUSED
    assert "'Shop'" in again.stderr and first["namespace"] in again.stderr
    assert "(fix: NAME)" in again.stderr
    assert shown.code == ExitCode.OK  # `--project Shop` still means one project


def test_namespaces_transliterate_fall_back_with_a_note_or_are_chosen(logged_in: UserCli):
    cafe = logged_in.ok("projects", "create", "Café Ünïcødé", "--json").json()
    japanese = logged_in.ok("projects", "create", "日本語")
    chosen = logged_in.ok("projects", "create", "東京", "--namespace", "tokyo-team", "--json")
    reserved = logged_in("projects", "create", "Lib", "--namespace", "library")

    assert cafe["namespace"] == "cafe-unicode"
    namespace = re.search(r"^Namespace: +(project-[0-9a-f]{6})$", japanese.stdout, re.M).group(1)
    assert "Note: '日本語' has no letters that spell out in Latin script" in japanese.stderr
    assert namespace in japanese.stderr and "--namespace" in japanese.stderr
    assert chosen.json()["namespace"] == "tokyo-team"
    assert reserved.code == ExitCode.REFUSED
    assert "reserved" in reserved.stderr and "(fix: --namespace)" in reserved.stderr


def test_the_same_registry_twice_is_a_conflict_and_names_print_the_host_once(
    logged_in: UserCli,
):
    logged_in.ok("projects", "create", "Shop")
    add = ("registries", "add", "--project", "Shop", "--no-verify")
    custom = logged_in.ok(*add, "--type", "custom", "--hostname", "registry.example.com:5000")
    hub = logged_in.ok(*add, "--type", "DOCKER_HUB")  # the API's spelling works too

    custom_again = logged_in(*add, "--type", "custom", "--hostname", "registry.example.com:5000")
    hub_again = logged_in(*add, "--type", "docker-hub")
    app = logged_in.ok(
        "apps", "create", "web", "--project", "Shop", "--region", "eu-central",
        "--strategy", "PREBUILT_IMAGE", "--container-registry", "Docker Hub", "--image", "nginx",
    )  # fmt: skip
    update = logged_in(
        "registries", "update-credentials", "registry.example.com:5000", "--no-verify"
    )

    assert "Registry:     registry.example.com:5000\n" in custom.stdout
    assert "Registry:     Docker Hub\n" in hub.stdout
    for again in (custom_again, hub_again):
        assert again.code == ExitCode.REFUSED
        assert "already has the registry" in again.stderr
    assert re.search(r"^Registry: +Docker Hub \(docker\.io\)$", app.stdout, re.M), app.stdout
    assert "Registry: Docker Hub (docker.io) (docker.io)" not in app.stdout
    assert update.code == ExitCode.OK  # one registry by that name, not "2 registrys"


def test_provider_hostnames_are_enforced(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")

    evil = logged_in(
        "registries", "add", "--project", "Shop", "--type", "docker-hub",
        "--hostname", "evil.example.com", "--no-verify",
    )  # fmt: skip

    assert evil.code == ExitCode.REFUSED
    assert "type CUSTOM" in evil.stderr and "(fix: --hostname)" in evil.stderr


def test_enum_values_in_any_case_and_refusals_in_the_clis_words(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")
    create = ("apps", "create", "--project", "Shop", "--region", "eu-central")

    upper = logged_in(*create, "a", "--strategy", "PREBUILT_IMAGE", "--image", "nginx")
    bogus = logged_in(*create, "b", "--strategy", "docker")
    eu_registry = "Nodion Registry (EU Central)"
    registry_for_a_build = logged_in(
        *create, "c", "--strategy", "Dockerfile", "--container-registry", eu_registry
    )
    no_credentials_here = logged_in.ok(
        "registries", "add", "--project", "Shop", "--type", "ghcr", "--no-verify"
    )
    generate = logged_in("registries", "generate-credentials", "GitHub Container Registry")

    assert upper.code == ExitCode.OK, upper.stderr
    assert bogus.code == ExitCode.USAGE
    assert "'docker' is not one of dockerfile, buildpacks, prebuilt_image" in bogus.stderr
    assert "Value error" not in bogus.stderr
    assert registry_for_a_build.code == ExitCode.REFUSED
    assert "leave --container-registry empty" in registry_for_a_build.stderr
    assert "containerRegistryId" not in registry_for_a_build.stderr
    assert no_credentials_here.code == ExitCode.OK
    assert generate.code == ExitCode.REFUSED
    assert "registries update-credentials`" in generate.stderr
    assert "updateCredentials" not in generate.stderr


def test_help_has_no_bool_labels_and_sentences_are_not_cut(nodion: UserCli):
    helps = {
        command: nodion(*command.split(), "--help").stdout
        for command in ("apps", "apps create", "admin rotate-keys", "admin generate-signing-key")
    }
    # Reflowed paragraphs: the words of a sentence follow each other, with no
    # frame characters or forced breaks between them.
    flowing = {command: " ".join(text.split()) for command, text in helps.items()}

    for command, text in helps.items():
        assert "<bool>" not in text, command
    assert (
        "Decrypt every stored secret and re-encrypt it under the first key of "
        "NODION_ENCRYPTION_KEYS; exits 1 naming the rows no configured key decrypts."
    ) in flowing["admin rotate-keys"]
    assert (
        "Create an app. A prebuilt image without --container-registry comes from the region's "
        "default Nodion registry; the output names the hostname picked."
    ) in flowing["apps create"]
    assert "--json Print one JSON document" in flowing["apps create"]


def test_tables_show_local_times_to_the_second(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")

    listed = logged_in("projects", "list", TZ="UTC")
    table = listed.stdout
    as_json = logged_in.ok("projects", "list", "--json").json()

    assert listed.code == ExitCode.OK
    row = table.splitlines()[1]
    assert re.search(r"  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ", row), row
    assert not re.search(r":\d\d\.\d", row)  # to the second: no fraction, no ISO "T"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", as_json[0]["createdAt"])


def test_admin_commands_use_the_documented_exit_codes(cli_service: Service):
    missing = run_cli(cli_service.env, "admin", "create-token", "nobody@example.com")

    assert missing.returncode == ExitCode.NOT_FOUND
    assert "no user with email 'nobody@example.com'" in missing.stderr
