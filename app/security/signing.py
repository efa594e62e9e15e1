"""The key that signs registry bearer tokens (JWT, ES256), and its certificate.

Registries trust it through the certificate bundle (`rootcertbundle`): every
token carries the certificate in its `x5c` header, which distribution 2.x and
3.x both verify against that bundle. The `kid` is in libtrust's format, which
distribution 2.x uses to look keys up; the JWKS document uses the same id.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.x509.oid import NameOID


def libtrust_key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32, groups of 4."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


def _b64url(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).decode().rstrip("=")


def _b64url_bytes(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


# ECDSA over a SHA-256 digest computed here (see TokenSigner.sign).
ECDSA_SHA256_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))


@dataclass(frozen=True)
class TokenSigner:
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate

    @cached_property
    def key_id(self) -> str:
        return libtrust_key_id(self.private_key.public_key())

    @cached_property
    def _header_segment(self) -> bytes:
        """The JWS header never changes (it carries the whole certificate, about
        two thirds of every token): encoded once, not on every signature."""
        x5c = base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER))
        header = {"alg": "ES256", "kid": self.key_id, "typ": "JWT", "x5c": [x5c.decode()]}
        return _b64url_bytes(json.dumps(header, separators=(",", ":")).encode())

    @cached_property
    def _header_hash(self) -> Any:
        """SHA-256 over the header segment and its dot, which start every signing
        input: hashed once, each signature hashes only its payload."""
        return hashlib.sha256(self._header_segment + b".")

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS (RFC 7515) with an ES256 signature as r||s (RFC 7518 3.4)."""
        # orjson: compact UTF-8 JSON, as RFC 7519 asks, and faster than json.dumps.
        payload = _b64url_bytes(orjson.dumps(claims))
        digest = self._header_hash.copy()
        digest.update(payload)
        r, s = decode_dss_signature(self.private_key.sign(digest.digest(), ECDSA_SHA256_PREHASHED))
        signature = _b64url_bytes(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        return b".".join((self._header_segment, payload, signature)).decode()

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def jwks(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "alg": "ES256",
                    "use": "sig",
                    "kid": self.key_id,
                    "x": _b64url(numbers.x),
                    "y": _b64url(numbers.y),
                }
            ]
        }

    @classmethod
    def from_pem(cls, key_pem: bytes, certificate_pem: bytes) -> TokenSigner:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("the token signing key must be an EC P-256 private key")
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        if certificate.public_key() != key.public_key():
            raise ValueError("the token signing certificate does not belong to the signing key")
        return cls(key, certificate)

    @classmethod
    def generate(cls, common_name: str = "nodion token signer", days: int = 3650) -> TokenSigner:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    def private_key_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
