"""What a trusted publisher requires of an OIDC token's claims, per provider.

A publisher's conditions are stored as `{claim name: pattern}`: the claim names
each CI documents (GitHub Actions: `repository`, `job_workflow_ref`,
`environment`, `ref`; GitLab: `project_path`, `ref`, `ref_type`,
`environment`; a custom issuer: `sub` and any claims). A pattern is a glob
(`*`, `?`, `[…]`, as fnmatch): a value taken literally has those characters
bracketed (`literal`), so every condition is matched the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from app.errors import ValidationFailed
from app.registries.models import PublisherProvider

GLOB_CHARACTERS = re.compile(r"([*?\[])")
ESCAPED_CHARACTER = re.compile(r"\[[*?\[]\]")  # what `literal` writes for one of them
MAX_VALUE_LENGTH = 255
MAX_CUSTOM_CLAIMS = 10
# `\Z`, not `$`, which also matches before a final newline: a claim name (not
# stripped, unlike the values) `repository\n` was stored and taken as a bound
# identity claim that no token carries.
GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")
WORKFLOW_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.ya?ml\Z")
GITLAB_PROJECT_PATH = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+\Z")
CLAIM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}\Z")
REF_TYPES = ("branch", "tag")


def literal(value: str) -> str:
    """A glob that matches exactly `value`."""
    return GLOB_CHARACTERS.sub(r"[\1]", value)


def is_exact(pattern: str) -> bool:
    """True when `pattern` matches one value only: no glob character outside
    the brackets `literal` puts around one."""
    return bool(pattern) and not GLOB_CHARACTERS.search(ESCAPED_CHARACTER.sub("", pattern))


# Claims that say how or where a job ran, not which pipeline it is: an exact
# value of one of these alone lets any repository of the issuer in.
NOT_IDENTITY = frozenset(
    {
        "ref",
        "ref_type",
        "ref_protected",
        "environment",
        "event_name",
        "runner_environment",
        "pipeline_source",
        "workflow",
    }
)
IDENTITY_HINT = (
    "make the `subject` exact (e.g. repo:org/app:ref:refs/heads/main), or add to `claims` "
    "the exact value of a claim that names the pipeline (e.g. repository=org/app or "
    "project_path=group/app)"
)


def unbound_identity(conditions: Mapping[str, str]) -> str | None:
    """Why a publisher with these conditions would accept tokens of anyone its
    issuer signs for (no identity claim bound to one exact value), or None.
    Every publisher binds one: GitHub Actions' `repository` and GitLab's
    `project_path` are exact by construction; a custom issuer's `sub` or one
    of its claims must be."""
    if any(is_exact(pattern) for name, pattern in conditions.items() if name not in NOT_IDENTITY):
        return None
    return f"it binds no identity claim to an exact value: {IDENTITY_HINT}"


def matches(pattern: str, value: Any) -> bool:
    return isinstance(value, str) and fnmatchcase(value, pattern)


def mismatched(conditions: Mapping[str, str], claims: Mapping[str, Any]) -> list[str]:
    """The claim names whose values do not match, in the order stored."""
    return [name for name, pattern in conditions.items() if not matches(pattern, claims.get(name))]


def _value(field: str, value: str | None, *, required: bool = False) -> str | None:
    if value is None or not value.strip():
        if required:
            raise ValidationFailed(field, f"{field} is required for this provider.")
        return None
    cleaned = value.strip()
    if len(cleaned) > MAX_VALUE_LENGTH or not cleaned.isprintable():
        raise ValidationFailed(field, f"{field} is 1 to {MAX_VALUE_LENGTH} printable characters.")
    return cleaned


def _shaped(field: str, value: str | None, shape: re.Pattern[str], hint: str) -> str | None:
    if value is not None and not shape.match(value):
        raise ValidationFailed(field, f"{field} must be {hint}.")
    return value


def github_conditions(
    repository: str | None, workflow: str | None, environment: str | None, ref: str | None
) -> dict[str, str]:
    repo = _shaped(
        "repository",
        _value("repository", repository, required=True),
        GITHUB_REPOSITORY,
        "the GitHub repository as owner/name, e.g. octo-org/app",
    )
    assert repo is not None
    conditions = {"repository": literal(repo)}
    file = _shaped(
        "workflow",
        _value("workflow", workflow),
        WORKFLOW_FILE,
        "the workflow's file name, e.g. release.yml",
    )
    if file is not None:
        # `job_workflow_ref` is `owner/name/.github/workflows/<file>@<ref>`.
        conditions["job_workflow_ref"] = literal(f"{repo}/.github/workflows/{file}@") + "*"
    if (env := _value("environment", environment)) is not None:
        conditions["environment"] = literal(env)
    if (ref_glob := _value("ref", ref)) is not None:
        conditions["ref"] = ref_glob
    return conditions


def gitlab_conditions(
    project_path: str | None, ref: str | None, ref_type: str | None, environment: str | None
) -> dict[str, str]:
    path = _shaped(
        "projectPath",
        _value("projectPath", project_path, required=True),
        GITLAB_PROJECT_PATH,
        "the GitLab project path, e.g. group/project",
    )
    assert path is not None
    conditions = {"project_path": literal(path)}
    if (ref_glob := _value("ref", ref)) is not None:
        conditions["ref"] = ref_glob
    if (kind := _value("refType", ref_type)) is not None:
        if kind not in REF_TYPES:
            raise ValidationFailed("refType", "refType is branch or tag.")
        conditions["ref_type"] = kind
    if (env := _value("environment", environment)) is not None:
        conditions["environment"] = literal(env)
    return conditions


def custom_conditions(subject: str | None, claims: Mapping[str, str]) -> dict[str, str]:
    sub = _value("subject", subject, required=True)
    assert sub is not None
    if len(claims) > MAX_CUSTOM_CLAIMS:
        raise ValidationFailed("claims", f"At most {MAX_CUSTOM_CLAIMS} claim conditions.")
    conditions = {"sub": sub}
    for name, value in claims.items():
        if not CLAIM_NAME.match(name) or name in ("sub", "iss", "aud", "exp", "nbf", "iat", "jti"):
            raise ValidationFailed(
                "claims", f"{name[:64]!r} is not a claim name a condition can compare."
            )
        checked = _value("claims", value, required=True)
        assert checked is not None
        conditions[name] = literal(checked)
    if unbound_identity(conditions) is not None:
        # Was accepted with subject `*`: every pipeline of the issuer could push.
        field = "claims" if claims else "subject"
        raise ValidationFailed(
            field,
            f"The subject {sub[:80]!r} is a pattern and no other claim names the pipeline; "
            f"{IDENTITY_HINT}.",
        )
    return conditions


def describe(provider: PublisherProvider, claims: Mapping[str, Any]) -> str:
    """What the token says it is, in the words its CI uses: for a refusal and
    the audit trail (claims only, never the token)."""

    def claim(name: str) -> str:
        value = claims.get(name)
        if not isinstance(value, str):
            return "(none)"
        # Escaped when not printable: a lone surrogate (a signed JSON escape)
        # cannot be written as UTF-8, and the answer quoting it was a 500.
        return value[:200] if value.isprintable() else ascii(value[:200])

    if provider is PublisherProvider.GITHUB_ACTIONS:
        return f"repository {claim('repository')} on ref {claim('ref')}"
    if provider is PublisherProvider.GITLAB:
        return f"project {claim('project_path')} on ref {claim('ref')}"
    return f"subject {claim('sub')}"
