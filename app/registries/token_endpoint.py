"""HTTP side of Docker token authentication: the endpoint managed registries
send `docker login` to, plus the documents operators configure registries with."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.registries.token_auth import (
    Access,
    Verifier,
    grant,
    issue_token,
    parse_scopes,
    verify_registry_token,
)
from app.security.keys import ServiceKeys
from app.security.throttle import FailureThrottle
from app.security.tokens import REGISTRY_TOKEN_PREFIX
from app.settings import Settings

REALM = 'Basic realm="Nodion registry"'
MAX_FORM_BYTES = 16_384


@dataclass
class TokenRequest:
    service: str | None
    scopes: list[str]
    username: str | None
    password: str | None = field(repr=False)


def _basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        username, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return (username, password) if sep else (None, None)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"errors": [{"code": code, "message": message}], "error": code.lower()},
        status_code=status,
        headers=headers,
    )


class TokenEndpoint:
    """`verifiers`: more kinds of credential by token prefix, from other domains
    (the registry's own generated tokens are always recognised)."""

    def __init__(
        self, settings: Settings, keys: ServiceKeys, verifiers: Mapping[str, Verifier] = {}
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.verifiers: dict[str, Verifier] = {
            REGISTRY_TOKEN_PREFIX: verify_registry_token,
            **verifiers,
        }
        self.by_address = FailureThrottle(
            limit=settings.auth_max_failures_per_address, window=settings.auth_failure_window
        )
        self.by_username = FailureThrottle(
            limit=settings.auth_max_failures_per_username, window=settings.auth_failure_window
        )

    async def get(self, request: Request) -> Response:
        username, password = _basic_credentials(request.headers.get("authorization"))
        return await self._answer(
            request,
            TokenRequest(
                service=request.query_params.get("service"),
                scopes=request.query_params.getlist("scope"),
                username=username,
                password=password,
            ),
        )

    async def post(self, request: Request) -> Response:
        """The OAuth2 password grant that newer docker clients try first."""
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return _error(413, "TOO_LARGE", "The form is too large.")
        # A urlencoded form of a few fields: the standard library parses it.
        form = {key: values[-1] for key, values in parse_qs(body.decode("latin-1")).items()}
        if form.get("grant_type") != "password":
            return _error(400, "UNSUPPORTED", "Only grant_type=password is supported.")
        return await self._answer(
            request,
            TokenRequest(
                service=form.get("service"),
                scopes=[form.get("scope", "")],
                username=form.get("username"),
                password=form.get("password"),
            ),
        )

    async def _answer(self, request: Request, asked: TokenRequest) -> Response:
        if not asked.username or not asked.password:
            return _error(
                401,
                "UNAUTHORIZED",
                "Log in with the registry's username and token.",
                {"WWW-Authenticate": REALM},
            )
        address = request.client.host if request.client else "unknown"
        wait = self.by_address.retry_after(address) or self.by_username.retry_after(asked.username)
        if wait:
            return _error(
                429,
                "TOOMANYREQUESTS",
                "Too many failed logins; try again later.",
                {"Retry-After": str(wait)},
            )
        access = await self._verify(asked)
        if access is None:
            self.by_address.record_failure(address)
            self.by_username.record_failure(asked.username)
            return _error(
                401,
                "UNAUTHORIZED",
                "Unknown credentials, or credentials of another registry or region.",
                {"WWW-Authenticate": REALM},
            )
        if access.on_use is not None:
            await access.on_use()
        body = issue_token(
            self.keys.signer,
            issuer=self.settings.token_issuer,
            subject=asked.username,
            audience=access.audience,
            access=grant(parse_scopes(asked.scopes), access),
            ttl=self.settings.registry_token_ttl,
        )
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def _verify(self, asked: TokenRequest) -> Access | None:
        assert asked.username and asked.password
        if not asked.service:
            return None
        prefix = asked.password[:4]
        verifier = self.verifiers.get(prefix)
        if verifier is None:
            return None
        return await verifier(asked.username, asked.password, asked.service, self.keys.token_pepper)

    async def certificates(self, request: Request) -> Response:
        return Response(self.keys.signer.certificate_pem(), media_type="application/x-pem-file")

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(self.keys.signer.jwks())

    def routes(self) -> list[Route]:
        return [
            Route("/registry/token", self.get, methods=["GET"]),
            Route("/registry/token", self.post, methods=["POST"]),
            Route("/registry/token/certs.pem", self.certificates, methods=["GET"]),
            Route("/.well-known/jwks.json", self.jwks, methods=["GET"]),
        ]
