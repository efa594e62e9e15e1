"""The API's words in the CLI's words, in one table.

Messages from the API name its input fields (`containerRegistryId`) and its
mutations (`updateCredentials`); a CLI user knows options (`--container-registry`)
and commands (`nodion registries update-credentials`). `in_cli_words` rewrites
a message, and `option_for` names the option behind a ValidationError's field."""

from __future__ import annotations

import re

from app.cli.hints import program

# Input fields of the API, as the options (or arguments) that set them.
FIELD_OPTIONS = {
    "containerRegistryId": "--container-registry",
    "caCertificate": "--ca-file",
    "hostname": "--hostname",
    "username": "--username",
    "token": "--token-stdin or --token-file",
    "region": "--region",
    "namespace": "--namespace",
    "image": "--image",
    "tag": "--tag",
    "strategy": "--strategy",
    "type": "--type",
    "name": "--name",
    "email": "EMAIL",
    "repository": "--repository",
    "workflow": "--workflow",
    "environment": "--environment",
    "ref": "--ref",
    "projectPath": "--project-path",
    "refType": "--ref-type",
    "subject": "--subject",
    "claims": "--claim",
    "issuer": "--issuer",
    "audience": "--audience",
    "repositories": "--push-to",
}
# Mutations of the API, as the commands that send them.
MUTATION_COMMANDS = {
    "createProject": "projects create",
    "addRegistry": "registries add",
    "generateCredentials": "registries generate-credentials",
    "updateCredentials": "registries update-credentials",
    "verifyRegistry": "registries verify",
    "removeRegistry": "registries remove",
    "createApplication": "apps create",
    "deployApplication": "apps deploy",
    "checkImage": "registries check-image",
    "addTrustedPublisher": "registries publishers add",
    "removeTrustedPublisher": "registries publishers remove",
}
# Only identifiers written in camelCase are the API's own words; `name` or
# `image` in a sentence are English and stay as they are.
CAMEL_CASE = re.compile(r"\b[a-z]+(?:[A-Z][a-z]+)+\b")
QUOTED_FIELD = re.compile(r"`([a-z][A-Za-z]*)`")  # `namespace`: an input field by name


def option_for(field: str, arguments: dict[str, str] | None = None) -> str:
    """`arguments` names the fields a command takes as positional arguments
    (`projects create NAME`)."""
    if arguments and field in arguments:
        return arguments[field]
    return FIELD_OPTIONS.get(field, field)


def in_cli_words(message: str) -> str:
    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in MUTATION_COMMANDS:
            return f"`{program()} {MUTATION_COMMANDS[word]}`"
        return FIELD_OPTIONS.get(word, word)

    def quoted(match: re.Match[str]) -> str:
        word = match.group(1)
        return FIELD_OPTIONS.get(word, match.group(0))

    return CAMEL_CASE.sub(replace, QUOTED_FIELD.sub(quoted, message))
