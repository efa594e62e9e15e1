"""A local OIDC issuer: https on 127.0.0.1 with a test CA, serving discovery
and a JWKS, signing with RS256 and ES256, able to rotate its key.

A threaded server, so both the in-process app (tests/registries) and a
`nodion serve` subprocess (tests/e2e) reach it; it counts JWKS requests so a
test can show what was cached."""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.tls_material import CertificateAuthority


@dataclass
class SigningKey:
    kid: str
    algorithm: str  # RS256 or ES256
    private: Any

    def jwk(self) -> dict[str, Any]:
        algorithm = RSAAlgorithm if self.algorithm == "RS256" else ECAlgorithm
        data = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**data, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def rsa_key(kid: str) -> SigningKey:
    return SigningKey(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_key(kid: str) -> SigningKey:
    return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


@dataclass
class OidcIssuer:
    url: str
    ca_pem: str
    keys: list[SigningKey]
    cache_control: str = "max-age=3600"
    jwks_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            self.jwks_requests += 1
            return {"keys": [key.jwk() for key in self.keys]}

    def key(self, algorithm: str = "RS256") -> SigningKey:
        return next(key for key in self.keys if key.algorithm == algorithm)

    def rotate(self) -> SigningKey:
        """A new RSA key replaces the old one in the JWKS (the EC key stays)."""
        new = rsa_key(f"rsa-{secrets.token_hex(4)}")
        self.keys = [new, *(key for key in self.keys if key.algorithm != "RS256")]
        return new

    def sign(
        self,
        claims: dict[str, Any],
        algorithm: str = "RS256",
        key: SigningKey | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        key = key or self.key(algorithm)
        return jwt.encode(
            claims,
            key.private,
            algorithm=key.algorithm,
            headers={"kid": key.kid, **(headers or {})},
        )

    def github_claims(self, audience: str, **overrides: Any) -> dict[str, Any]:
        """Claims shaped as GitHub Actions' (docs.github.com, "About security
        hardening with OpenID Connect")."""
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": audience,
            "sub": "repo:octo/app:environment:production",
            "repository": "octo/app",
            "repository_owner": "octo",
            "ref": "refs/heads/main",
            "ref_type": "branch",
            "environment": "production",
            "workflow": "release",
            "job_workflow_ref": "octo/app/.github/workflows/release.yml@refs/heads/main",
            "jti": secrets.token_hex(16),
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def gitlab_claims(self, audience: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": audience,
            "sub": "project_path:group/app:ref_type:tag:ref:v1.2.0",
            "project_path": "group/app",
            "ref": "v1.2.0",
            "ref_type": "tag",
            "environment": "production",
            "jti": secrets.token_hex(16),
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return claims


def _handler(issuer: OidcIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                body: dict[str, Any] = {
                    "issuer": issuer.url,
                    "jwks_uri": f"{issuer.url}/jwks",
                    "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                }
                headers = {}
            elif self.path == "/jwks":
                body, headers = issuer.jwks(), {"Cache-Control": issuer.cache_control}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_issuer(folder: Path, ca: CertificateAuthority) -> Iterator[OidcIssuer]:
    cert, key = ca.issue_server_certificate(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    issuer = OidcIssuer(
        url=f"https://127.0.0.1:{server.server_address[1]}",
        ca_pem=ca.pem,
        keys=[rsa_key("rsa-1"), ec_key("ec-1")],
    )
    server.RequestHandlerClass = _handler(issuer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
