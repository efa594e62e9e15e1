"""Validation of a third-party registry's `host[:port]`."""

from __future__ import annotations

import ipaddress
import re

from app.errors import ValidationFailed

MAX_HOST_LENGTH = 253
LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def normalize_hostname(value: str) -> str:
    """Lower-cased `host[:port]`, or ValidationFailed saying what is wrong."""
    text = value.strip().lower()
    if not text:
        raise ValidationFailed("hostname", "Hostname is required for a custom registry.")
    if "://" in text:
        raise ValidationFailed(
            "hostname", "Enter the hostname without a scheme, e.g. registry.example.com."
        )
    if any(char in text for char in "/?#@ "):
        raise ValidationFailed(
            "hostname",
            "Enter only host[:port], without a path, user or spaces, "
            "e.g. registry.example.com:5000.",
        )
    host, port = _split_port(text)
    _check_host(host)
    return f"{host}:{port}" if port is not None else host


def _split_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValidationFailed("hostname", "Write an IPv6 address as [addr] or [addr]:port.")
        port_text = rest[1:] if rest else None
        _check_ipv6(host)
        return f"[{host}]", _port(port_text) if port_text is not None else None
    if text.count(":") > 1:
        raise ValidationFailed("hostname", "Write an IPv6 address in brackets, e.g. [2001:db8::1].")
    host, sep, port_text = text.partition(":")
    return host, _port(port_text) if sep else None


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise ValidationFailed("hostname", "Port must be a number from 1 to 65535.")
    return int(text)


def _check_ipv6(host: str) -> None:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        raise ValidationFailed("hostname", f"{host!r} is not a valid IPv6 address.") from None


def _check_host(host: str) -> None:
    if host.startswith("["):
        return
    if len(host) > MAX_HOST_LENGTH:
        raise ValidationFailed(
            "hostname", f"Hostname must be at most {MAX_HOST_LENGTH} characters."
        )
    labels = host.split(".")
    for label in labels:
        if not LABEL.match(label):
            raise ValidationFailed(
                "hostname",
                f"{label!r} is not a valid hostname label: use letters, digits and inner "
                "hyphens, 1-63 characters per label.",
            )


def refuse_managed_hostname(hostname: str, registry_domain: str) -> None:
    """A third-party entry must not pose as one of the managed registries: it would
    send that registry's logins and pulls through credentials the user typed in."""
    host = hostname.rsplit(":", 1)[0] if not hostname.startswith("[") else hostname
    domain = registry_domain.lower().strip(".")
    if host == domain or host.endswith("." + domain):
        raise ValidationFailed(
            "hostname",
            f"Hostnames under {domain} belong to Nodion's managed registries; "
            "add a Nodion registry for that region instead.",
        )
