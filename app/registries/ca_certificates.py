"""Validation of the private CA certificate a CUSTOM registry may carry."""

from __future__ import annotations

from cryptography import x509

from app.errors import ValidationFailed

MAX_PEM_LENGTH = 65_536


def normalize_ca_certificate(pem: str) -> str:
    text = pem.strip()
    if len(text) > MAX_PEM_LENGTH:
        raise ValidationFailed("caCertificate", "The CA certificate must be at most 64 KiB.")
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
