"""`POST /registry/oidc/exchange`: a CI job's OIDC token for a push credential.

`{"token": "<JWT>", "registry": "<hostname>", "namespace": "<project namespace>"}`
-> 200 `{"username", "password", "expiresAt"}`: a credential the token endpoint
accepts for pull and push on the accepting publisher's repositories only
(app/registries/oidc/credentials.py). Only the publishers of the project
whose namespace is named are candidates: an issuer is shared by every project
that trusts it and never picks one. A token is exchanged once: its `jti` is
kept in the database until its `exp` (every worker sees it), so a copy of the
token cannot be exchanged again. Counted by the login throttle as logins of
`oidc` are. An issuer that cannot be reached is a 503 with Retry-After,
never a grant.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.exceptions import IntegrityError

from app.audit.service import record
from app.http.json_body import parse_json_body
from app.http.refusals import RequestRefused
from app.networks import Network
from app.registries.models import ExchangedJti, Registry, TrustedPublisher
from app.registries.oidc.credentials import (
    JWT_USERNAME,
    is_namespace,
    mint,
    note_use,
    publishers_of,
    serves,
)
from app.registries.oidc.keys import IssuerKeys, IssuerUnreachable
from app.registries.oidc.verification import Refused, Verified, verify
from app.registries.settings import RegistriesSettings
from app.security.client_address import client_address
from app.security.keys import ServiceKeys
from app.security.throttle import LoginThrottle
from app.security.throttle import Refused as Throttled
from app.settings import Settings
from app.transactions import atomic

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 20_000
RETRY_AFTER_SECONDS = 30
NO_STORE = {"Cache-Control": "no-store"}
EXPECTED_BODY = (
    '{"token": "<your CI\'s OIDC token>", "registry": "<the registry hostname>", '
    '"namespace": "<your project\'s namespace>"}'
)


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, **extra}}
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


class OidcExchange:
    def __init__(
        self,
        settings: Settings,
        keys: ServiceKeys,
        issuer_keys: IssuerKeys,
        throttle: LoginThrottle,
        trusted_proxies: list[Network],
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.issuer_keys = issuer_keys
        self.throttle = throttle
        self.trusted_proxies = trusted_proxies

    async def exchange(self, request: Request) -> Response:
        asked = await self._asked(request)
        if isinstance(asked, Response):
            return asked
        token, hostname, namespace = asked
        if not serves(self.settings, hostname):
            regions = ", ".join(
                self.settings.registry_hostname(r.slug) for r in self.settings.regions
            )
            return _error(
                404,
                "NOT_FOUND",
                f"registry is the hostname of a Nodion registry: one of {regions}.",
            )
        forwarded = request.headers.getlist("x-forwarded-for") if self.trusted_proxies else []
        address = client_address(
            request.client.host if request.client else None, forwarded, self.trusted_proxies
        )
        # Counted per project: one tenant's failing CI on a shared runner
        # address does not lock out another's exchanges.
        attempt = await self.throttle.begin(address, f"{JWT_USERNAME}/{namespace}")
        if isinstance(attempt, Throttled):
            return _error(
                429,
                "TOOMANYREQUESTS",
                "Too many failed exchanges; try again later.",
                {"Retry-After": str(attempt.retry_after)},
            )
        try:
            candidates = await publishers_of(hostname, namespace)
            verified = await verify(
                token, hostname, candidates, self.issuer_keys, namespace=namespace
            )
            answer = await self._grant(verified, hostname, namespace)
        except IssuerUnreachable as error:
            await self.throttle.succeeded(attempt)  # not the caller's mistake
            # The issuer is a publisher's (configured), never text from the request.
            log.warning("OIDC exchange: %s", error)
            return _error(
                503,
                "ISSUER_UNAVAILABLE",
                f"{error} Nothing was granted; try again shortly.",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        except Refused as refused:
            await self.throttle.failed(attempt)
            # Nothing of the request in the log (it may hold anything): the
            # status and the names of the publisher's claims that did not match.
            log.info("OIDC exchange refused (%d) %s", refused.status, refused.mismatched)
            code = "UNAUTHORIZED" if refused.status == 401 else "FORBIDDEN"
            return _error(
                refused.status, code, refused.message, mismatchedClaims=refused.mismatched
            )
        finally:
            # Any other way out (the database down, a cancelled request) is no
            # failed exchange: the slot goes back, nothing is counted.
            self.throttle.hand_back(attempt)
        await self.throttle.succeeded(attempt)
        return answer

    async def _asked(self, request: Request) -> tuple[str, str, str] | Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "TOO_LARGE", "The body is too large for an OIDC token.")
        try:
            value = parse_json_body(body)
        except RequestRefused as refused:
            return _error(refused.status, refused.code, refused.message)
        token = value.get("token") if isinstance(value, dict) else None
        hostname = value.get("registry") if isinstance(value, dict) else None
        namespace = value.get("namespace") if isinstance(value, dict) else None
        if not isinstance(token, str) or not isinstance(hostname, str) or not token or not hostname:
            return _error(400, "BAD_REQUEST", f"Send JSON {EXPECTED_BODY}.")
        if namespace is None or namespace == "":
            return _error(
                400,
                "BAD_REQUEST",
                "namespace is required: the namespace of the project to push to (its "
                f"repositories are <namespace>/…). Send JSON {EXPECTED_BODY}.",
            )
        if not isinstance(namespace, str) or not is_namespace(namespace):
            return _error(
                400,
                "BAD_REQUEST",
                "namespace is a project's namespace: lower-case letters, digits and dashes, "
                "e.g. shop.",
            )
        return token, hostname, namespace

    async def _grant(self, verified: Verified, hostname: str, namespace: str) -> Response:
        claims = verified.claims
        jti = claims.get("jti")
        # Printable: PostgreSQL stores no NUL, neither database a lone surrogate.
        if not isinstance(jti, str) or not 1 <= len(jti) <= 255 or not jti.isprintable():
            raise Refused(
                401,
                "The token has no jti claim of 1 to 255 printable characters; the exchange "
                "needs one to refuse replays.",
            )
        now = datetime.now(UTC)
        expires = datetime.fromtimestamp(verified.expires_at, UTC)
        publisher = verified.publisher
        async with atomic():
            # Locked until the grant commits: a removal (of it, its registry or
            # its project) waits, or went first, and then nothing is granted;
            # minting for a row gone since `verify` broke the foreign key, a 500.
            locked = await TrustedPublisher.filter(id=publisher.id).select_for_update().first()
            if locked is None:
                raise Refused(
                    403,
                    "The trusted publisher that accepts this token was removed while it was "
                    "exchanged; nothing was granted.",
                )
            await ExchangedJti.filter(expires_at__lte=now).delete()
            try:  # the unique index decides between racing exchanges of one token
                await ExchangedJti.create(issuer=publisher.issuer, jti=jti, expires_at=expires)
            except IntegrityError:
                raise Refused(
                    401, "This token was exchanged already; request a fresh one in the job."
                ) from None
            minted = await mint(
                verified,
                RegistriesSettings.of(self.settings).oidc_credential_ttl,
                self.keys.token_pepper,
                now,
            )
            await note_use(publisher, now)
            registry = await Registry.get(id=publisher.registry_id)
            await record(
                project_id=publisher.project_id,  # the named project's, as the publisher is
                actor=None,
                actor_email=f"oidc:{publisher.display_name}"[:254],
                action="oidc.exchanged",
                target_type="TrustedPublisher",
                target_id=publisher.id,
                target_name=f"{registry.name} / {publisher.display_name}"[:261],
                detail=_audit_detail(claims),
            )
        return JSONResponse(
            {
                "username": minted.username,
                "password": minted.password,
                "expiresAt": minted.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "registry": hostname,
                "namespace": namespace,
            },
            headers=NO_STORE,
        )

    def routes(self) -> list[Route]:
        return [Route("/registry/oidc/exchange", self.exchange, methods=["POST"])]


def _audit_detail(claims: dict[str, Any]) -> str:
    """The identity claims of the token (never the token): repository or
    project, workflow, ref."""

    def claim(name: str) -> str | None:
        value = claims.get(name)
        # A NUL or a lone surrogate cannot be stored: left out, not a 500.
        return value if isinstance(value, str) and value.isprintable() else None

    who = claim("repository") or claim("project_path") or claim("sub") or "?"
    workflow = claim("job_workflow_ref") or claim("workflow")
    # `job_workflow_ref` is `owner/name/.github/workflows/<file>@<ref>`: the file.
    file = workflow.split("@", 1)[0].rsplit("/", 1)[-1] if workflow else None
    parts = [who, file, claim("ref")]
    return " ".join(part for part in parts if part)[:64]
