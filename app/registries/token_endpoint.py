"""HTTP side of Docker token authentication: the endpoint managed registries
send `docker login` to, plus the documents operators configure registries with."""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db_changes import ChangeWatch, Unwatched
from app.domain import Serving
from app.networks import parse_networks
from app.outage import is_database_unavailable
from app.registries.credential_lookup import RegistryLogins
from app.registries.metrics import record_login
from app.registries.models import PUBLISHER_CREDENTIAL, REGISTRY_TOKEN
from app.registries.oidc.credentials import (
    JWT_USERNAME,
    NamespaceUnclear,
    OidcLogins,
    is_oidc_username,
    login_namespace,
    verify_minted,
)
from app.registries.oidc.exchange import RETRY_AFTER_SECONDS, OidcExchange
from app.registries.oidc.keys import IssuerKeys, IssuerUnreachable
from app.registries.oidc.verification import looks_like_jwt
from app.registries.settings import RegistriesSettings
from app.registries.token_auth import (
    Access,
    IssuedToken,
    LoginRefused,
    RegistryTokens,
    Verifier,
    grant,
    issue_token,
    parse_scopes,
)
from app.security.attempts_table import DatabaseAttempts
from app.security.client_address import client_address
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.security.throttle import AttemptStore, Limits, LoginThrottle, MemoryAttempts, Refused
from app.security.tokens import TokenKind
from app.settings import Settings
from app.transactions import unless_storage_full

REALM = 'Basic realm="Nodion registry"'
MAX_FORM_BYTES = 16_384
TOKEN_HEADERS = [(b"cache-control", b"no-store"), (b"content-type", b"application/json")]


def token_body(issued: IssuedToken) -> bytes:
    """The JSON answer, written out: a compact JWS is base64url and dots, and
    the other values are a number and a timestamp, so nothing needs escaping;
    json.dumps over the token (twice, as `token` and `access_token`) was a
    measurable part of every login."""
    return (
        f'{{"token":"{issued.token}","access_token":"{issued.token}",'
        f'"expires_in":{issued.expires_in},"issued_at":"{issued.issued_at}"}}'
    ).encode()


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
    except ValueError:  # not base64, not ASCII (a header is latin-1 text), not UTF-8
        return None, None
    return (username, password) if sep else (None, None)


def _header(scope: Scope, name: bytes) -> str | None:
    """The first header called `name` (lower case), as Starlette's Headers.get."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]  # ASGI: raw (name, value) pairs
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def query_values(query_string: bytes) -> dict[str, list[str]]:
    """The query's values by name, as Starlette's query_params (parse_qs, blank
    values kept), without its multidict. A query with nothing escaped (docker's
    `service=…&scope=…`, every login) is only split: parse_qs would unquote
    each part, and unquoting a part without `%` or `+` changes nothing."""
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return parse_qs(text, keep_blank_values=True)
    values: dict[str, list[str]] = {}
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            values.setdefault(name, []).append(value)
    return values


def _forwarded_for(scope: Scope) -> list[str]:
    return [value.decode("latin-1") for key, value in scope["headers"] if key == b"x-forwarded-for"]


class _AsgiApp:
    """Serves a method as a plain ASGI app: Starlette's Route wraps functions and
    methods in request_response (a Request object, an exception-handler layer),
    and passes any other callable through as it is. The token routes raise no
    HTTPException, so that layer had nothing to do for them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def _reply(
    answer: Response | IssuedToken, scope: Scope, receive: Receive, send: Send
) -> None:
    """A refusal as the Response it is; a token written out with its fixed headers
    (Starlette's Response would build them again for every login)."""
    if isinstance(answer, Response):
        await answer(scope, receive, send)
        return
    body = token_body(answer)
    headers = [(b"content-length", str(len(body)).encode()), *TOKEN_HEADERS]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"errors": [{"code": code, "message": message}], "error": code.lower()},
        status_code=status,
        headers=headers,
    )


def _refused() -> Response:
    return _error(
        401,
        "UNAUTHORIZED",
        "Unknown credentials, or credentials of another registry or region.",
        {"WWW-Authenticate": REALM},
    )


POSTGRES_SCHEMES = ("postgres", "postgresql", "asyncpg", "psycopg")


def _attempt_store(database_url: str, watch: ChangeWatch) -> AttemptStore:
    """PostgreSQL: counted in the database, shared by all workers and hosts.
    SQLite (one host, usually one process): counted in this process."""
    if database_url.split(":", 1)[0] in POSTGRES_SCHEMES:
        return DatabaseAttempts(watch)
    return MemoryAttempts()


class TokenEndpoint:
    """`verifiers`: more kinds of credential, from other domains (the registry's
    own access tokens are always recognised). `watch` tells
    when what was read from the database may be kept (app/db_changes.py); by
    default nothing is."""

    def __init__(
        self,
        settings: Settings,
        keys: ServiceKeys,
        verifiers: Mapping[TokenKind, Verifier] = {},
        watch: ChangeWatch | None = None,
        issuer_keys: IssuerKeys | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        watch = watch or Unwatched()
        every: dict[TokenKind, Verifier] = {
            REGISTRY_TOKEN: RegistryTokens(RegistryLogins(watch)),
            PUBLISHER_CREDENTIAL: verify_minted,
            **verifiers,
        }
        # A CI's OIDC token as the password of `oidc` (trusted publishers).
        self.oidc_logins = OidcLogins(issuer_keys, settings) if issuer_keys is not None else None
        # By prefix (a token's first four characters), as a login is matched.
        self.kinds = {kind.prefix: kind for kind in every}
        self.verifiers = {kind.prefix: verify for kind, verify in every.items()}
        self.trusted_proxies = parse_networks(settings.trusted_proxies)
        self.throttle = LoginThrottle(
            _attempt_store(settings.resolved_database_url, watch),
            Limits(
                window=settings.auth_failure_window,
                per_address=settings.auth_max_failures_per_address,
                per_address_and_username=settings.auth_max_failures_per_address_and_username,
                per_username=settings.auth_max_failures_per_username,
                username_failure_delay=settings.auth_username_failure_delay,
                pending_per_address=settings.auth_max_pending_logins_per_address,
            ),
        )

    async def login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """GET, what `docker login` and every pull and push send: served as a plain
        ASGI app, since it is the hottest path of the service. It needs no Request
        object, raises nothing for Starlette's exception handlers, and its token
        answer has fixed headers (Starlette's Response builds them per request)."""
        username, password = _basic_credentials(_header(scope, b"authorization"))
        query = query_values(scope["query_string"])  # the last `service` wins
        answer = await self._counted_answer(
            scope,
            TokenRequest(
                service=query.get("service", [None])[-1],
                scopes=query.get("scope", []),
                username=username,
                password=password,
            ),
        )
        await _reply(answer, scope, receive, send)

    async def password_grant(self, scope: Scope, receive: Receive, send: Send) -> None:
        """POST: the OAuth2 password grant that newer docker clients try first."""
        await _reply(await self._password_grant(Request(scope, receive)), scope, receive, send)

    async def _password_grant(self, request: Request) -> Response | IssuedToken:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return _error(413, "TOO_LARGE", "The form is too large.")
        # A urlencoded form of a few fields: the standard library parses it.
        form = {key: values[-1] for key, values in parse_qs(body.decode("latin-1")).items()}
        if form.get("grant_type") != "password":
            return _error(400, "UNSUPPORTED", "Only grant_type=password is supported.")
        return await self._counted_answer(
            request.scope,
            TokenRequest(
                service=form.get("service"),
                scopes=[form.get("scope", "")],
                username=form.get("username"),
                password=form.get("password"),
            ),
        )

    async def _counted_answer(self, scope: Scope, asked: TokenRequest) -> Response | IssuedToken:
        """`_answer`, counted in nodion_registry_logins_total by outcome."""
        try:
            answer = await self._answer(scope, asked)
        except Exception as error:
            if is_database_unavailable(error):
                record_login("unavailable")
            raise
        if isinstance(answer, LoginRefused):  # a known credential that ended
            record_login(answer.outcome)
            return _refused()
        status = answer.status_code if isinstance(answer, Response) else 200
        if status == 200:
            record_login("granted")
        elif status == 429:
            record_login("throttled")
        elif status == 401:
            record_login("unknown")
        return answer

    async def _answer(
        self, scope: Scope, asked: TokenRequest
    ) -> Response | IssuedToken | LoginRefused:
        """The token to answer with, or the refusal (a verifier's own refusal as
        it said it, for `_counted_answer` to count)."""
        if not asked.username or not asked.password:
            return _error(
                401,
                "UNAUTHORIZED",
                "Log in with the registry's username and token.",
                {"WWW-Authenticate": REALM},
            )
        if not self._could_be_valid(asked):
            return _refused()
        try:  # whom the failures count against in the throttle
            throttled_name = self._throttled_name(asked)
        except NamespaceUnclear as unclear:
            return _error(401, "UNAUTHORIZED", unclear.message, {"WWW-Authenticate": REALM})
        address = client_address(
            scope["client"][0] if scope.get("client") else None,
            _forwarded_for(scope) if self.trusted_proxies else [],
            self.trusted_proxies,
        )
        # Counted before the lookup, so concurrent guesses cannot all slip through.
        attempt = await self.throttle.begin(address, throttled_name)
        if isinstance(attempt, Refused):
            return _error(
                429,
                "TOOMANYREQUESTS",
                "Too many failed logins; try again later.",
                {"Retry-After": str(attempt.retry_after)},
            )
        try:
            access = await self._verify(asked)
        except IssuerUnreachable as error:
            await self.throttle.succeeded(attempt)  # not the caller's mistake
            return _error(
                503,
                "UNAVAILABLE",
                f"{error} Nothing was granted; try again shortly.",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        finally:
            # Any other way out (the database down, a cancelled request) is no
            # failed login either: the slot goes back, nothing is counted.
            self.throttle.hand_back(attempt)
        if access is None or isinstance(access, LoginRefused):
            await self.throttle.failed(attempt)
            return access or _refused()
        await self.throttle.succeeded(attempt)
        # No JWT outlives its credential: `exp` is at most the credential's end.
        now = int(time.time())
        ttl = RegistriesSettings.of(self.settings).registry_token_ttl
        if access.not_after is not None:
            ttl = min(ttl, access.not_after - now)
            if ttl < 1:  # ends within this second
                return _refused()
        if access.on_use is not None:
            # Its last use is bookkeeping: a pull still works on a full disk.
            await unless_storage_full(access.on_use, "recording a registry login's use")
        return issue_token(
            self.keys.signer,
            issuer=RegistriesSettings.of(self.settings).token_issuer,
            subject=asked.username,
            audience=access.audience,
            access=grant(parse_scopes(asked.scopes), access),
            ttl=ttl,
            now=now,
        )

    def _oidc_login(self, asked: TokenRequest) -> bool:
        """A CI's OIDC token as the password of `oidc` or `oidc/<namespace>`.
        (A JWT: the access tokens of a project whose namespace is `oidc` are not.)"""
        return (
            self.oidc_logins is not None
            and is_oidc_username(asked.username)
            and looks_like_jwt(asked.password or "")
        )

    def _throttled_name(self, asked: TokenRequest) -> str:
        """The username, or for a CI's OIDC token `oidc/<namespace>`: every
        project's CI logs in as `oidc`, often from shared runner addresses, and
        one project's failures must not lock another's logins out."""
        assert asked.username is not None
        if not self._oidc_login(asked):
            return asked.username
        return f"{JWT_USERNAME}/{login_namespace(asked.username, parse_scopes(asked.scopes))}"

    def _could_be_valid(self, asked: TokenRequest) -> bool:
        """False for what no credential can match (no service, a token of no known
        kind or with a wrong checksum): refused without the database, not even
        counted by the throttle."""
        if self._oidc_login(asked):
            return bool(asked.service)
        kind = self.kinds.get((asked.password or "")[:4])
        return (
            bool(asked.service) and kind is not None and kind.is_well_formed(asked.password or "")
        )

    async def _verify(self, asked: TokenRequest) -> Access | LoginRefused | None:
        assert asked.username and asked.password and asked.service
        if self.oidc_logins is not None and self._oidc_login(asked):
            namespace = login_namespace(asked.username, parse_scopes(asked.scopes))
            return await self.oidc_logins(namespace, asked.password, asked.service)
        verifier = self.verifiers[asked.password[:4]]
        return await verifier(asked.username, asked.password, asked.service, self.keys.token_pepper)

    async def certificates(self, request: Request) -> Response:
        return Response(self.keys.signer.certificate_pem(), media_type="application/x-pem-file")

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(self.keys.signer.jwks())

    def routes(self) -> list[Route]:
        return [
            Route("/registry/token", _AsgiApp(self.login), methods=["GET"]),
            Route("/registry/token", _AsgiApp(self.password_grant), methods=["POST"]),
            Route("/registry/token/certs.pem", self.certificates, methods=["GET"]),
            Route("/.well-known/jwks.json", self.jwks, methods=["GET"]),
        ]


def routes(serving: Serving) -> list[Route]:
    """The token endpoint's routes (its GET first, as it answers every pull),
    then the OIDC exchange, which shares its login throttle."""
    issuer_keys = IssuerKeys(serving.outbound or Outbound.from_settings(serving.settings))
    endpoint = TokenEndpoint(
        serving.settings, serving.keys, serving.token_verifiers, serving.watch, issuer_keys
    )
    exchange = OidcExchange(
        serving.settings, serving.keys, issuer_keys, endpoint.throttle, endpoint.trusted_proxies
    )
    return [*endpoint.routes(), *exchange.routes()]
