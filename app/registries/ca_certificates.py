"""Validation of the private CA certificate a CUSTOM registry may carry."""

from __future__ import annotations

from cryptography import x509

from app.errors import ValidationFailed

MAX_PEM_LENGTH = 65_536


def normalize_ca_certificate(pem: str) -> str:
    text = pem.strip()
    if len(text) > MAX_PEM_LENGTH:
        raise ValidationFailed("caCertificate", "The CA certificate must be at most 64 KiB.")
    if not all(char.isprintable() or char in "\r\n\t" for char in text):
        # The parser skips text around the PEM blocks, but a NUL there cannot be
        # stored in PostgreSQL (a 500), nor a lone surrogate anywhere.
        raise ValidationFailed(
            "caCertificate",
            "The CA certificate holds control characters; paste the PEM text only.",
        )
    try:
        certificates = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        certificates = []
    if not certificates:
        raise ValidationFailed(
            "caCertificate",
            "Paste the CA certificate in PEM form, from -----BEGIN CERTIFICATE----- "
            "to -----END CERTIFICATE-----.",
        )
    return text + "\n"
