"""Validation of a third-party registry's `host[:port]`."""

from __future__ import annotations

import ipaddress
import re

import httpx

from app.errors import ValidationFailed

MAX_HOST_LENGTH = 253
LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")
# A label that URL parsers (WHATWG, getaddrinfo's inet_aton) read as part of an
# IPv4 address: decimal, octal (leading 0) or hex (0x).
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)\Z")


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
    _check_notation(host)
    hostname = f"{host}:{port}" if port is not None else host
    _check_connectable(hostname)
    return hostname


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


def _check_notation(host: str) -> None:
    """`0177.0.0.1`, `0x7f.1`, `127.1` and `2130706433` all mean 127.0.0.1 to
    some parsers and a name to others; only the dotted-decimal form is one thing."""
    if host.startswith("[") or not NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        return
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        raise ValidationFailed(
            "hostname",
            f"{host!r} reads as an IP address in another notation (octal, hex, shortened or "
            "one number); write an IPv4 address as four decimal numbers without leading "
            "zeros, e.g. 203.0.113.7, or use a name whose last label is not a number.",
        ) from None


def _check_connectable(hostname: str) -> None:
    """What passes here, the HTTP client can also connect to: `xn--` labels must
    be valid IDNA (`xn--a` is not), addresses must parse."""
    try:
        httpx.URL(f"https://{hostname}/v2/").host  # noqa: B018 - reading it decodes IDNA
    except (httpx.InvalidURL, UnicodeError, ValueError) as error:
        reason = "an xn-- label is not valid IDNA" if isinstance(error, UnicodeError) else error
        raise ValidationFailed(
            "hostname", f"{hostname!r} is not a hostname Nodion can connect to: {reason}."
        ) from None


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
