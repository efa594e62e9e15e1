"""Is this OIDC token one a trusted publisher of this registry accepts?

Nothing in a token is believed before its signature is checked, except its
`iss` and header, which only pick the publishers and the key to check it with,
and its times and claim types, which can only refuse it (before its issuer's
keys are fetched).
Only RS256 and ES256 are accepted, each with a key of its own type from the
issuer's JWKS (RSA of 2048 bits or more, EC on P-256: app/registries/oidc/keys.py):
`alg: none` and HS256 (whatever the secret, the issuer's public
key included) are refused before any key is looked at. `exp` is required and
at most an hour away; `nbf` and `iat` may be at most 60 s in the future (clock
skew); `aud` must be the publisher's audience and `iss` its issuer. Then the
publisher's conditions are compared with the claims its CI documents.

The publishers given are one project's (app/registries/oidc/credentials.py).
Each is verified against its own issuer settings: the keys are fetched with
its own `caCertificate`, so a publisher whose CA is wrong, or whose issuer is
down, fails only the tokens no other publisher of the project accepts. A
stored publisher that binds no identity claim to an exact value (a subject
`*`, accepted before issue 30) is set aside: it accepts nothing, and a token
only it could have matched is told so.

Refusals say what to fix in the CI's terms without describing any publisher:
a mismatch names the claims that did not match, never their expected values.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from app.registries.models import TrustedPublisher
from app.registries.oidc.conditions import describe, mismatched, unbound_identity
from app.registries.oidc.keys import IssuerKeys, IssuerUnreachable, WeakKey

ALGORITHMS = ("RS256", "ES256")
SKEW = 60  # seconds a CI's clock may be ahead of ours
MAX_LIFETIME = 3600  # an `exp` further away than this is refused
MAX_TOKEN_LENGTH = 16_384


class Refused(Exception):
    """`status` 401 (the token itself is wrong) or 403 (a valid token that no
    publisher accepts); `message` tells the CI user what to fix."""

    def __init__(self, status: int, message: str, mismatched: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.mismatched = list(mismatched)


@dataclass(frozen=True)
class Verified:
    publisher: TrustedPublisher
    claims: dict[str, Any]

    @property
    def expires_at(self) -> int:
        return int(self.claims["exp"])


def looks_like_jwt(token: str) -> bool:
    # A compact JWS is base64url and dots: ASCII. Anything else is refused here,
    # before PyJWT encodes it (a lone surrogate, which JSON's \ud800 escape
    # makes, raised UnicodeEncodeError there: a 500).
    return 0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii() and token.count(".") == 2


async def verify(
    token: str,
    hostname: str,
    publishers: Sequence[TrustedPublisher],
    keys: IssuerKeys,
    now: float | None = None,
    namespace: str | None = None,
) -> Verified:
    """The publisher of registry `hostname` that accepts `token`, with its
    verified claims; raises Refused, or IssuerUnreachable (503). `publishers`:
    one project's, whose `namespace` the refusals name."""
    now = time.time() if now is None else now
    where = f"{hostname} for namespace {namespace}" if namespace else hostname
    if not looks_like_jwt(token):
        raise Refused(401, "The token is not a JWT; send the OIDC token your CI issued.")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Refused(401, "The token is not a JWT; send the OIDC token your CI issued.") from None
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise Refused(
            401, f"Tokens signed with {str(algorithm)[:20]!r} are refused; only RS256 and ES256."
        )
    issuer = unverified.get("iss")
    issuer = issuer.rstrip("/") if isinstance(issuer, str) else None
    candidates = [p for p in publishers if issuer is not None and p.issuer == issuer]
    if not candidates:
        raise Refused(
            401,
            f"No trusted publisher of {where} accepts tokens of issuer "
            f"{str(issuer)[:200]!r}; add one for your CI, or check the registry hostname "
            "and namespace.",
        )
    assert issuer is not None
    _check_times_and_types(unverified, now)
    usable = [p for p in candidates if unbound_identity(p.conditions) is None]
    if not usable:
        raise Refused(
            403,
            f"The trusted publisher of {where} for issuer {issuer} accepts no token: "
            f"{unbound_identity(candidates[0].conditions)}. Remove it and add one that does.",
        )
    kid = header.get("kid")
    kid = kid if isinstance(kid, str) else None
    refusals: list[Refused] = []
    unreachable: IssuerUnreachable | None = None
    for group in _by_ca_certificate(usable):
        try:
            key = await keys.key(issuer, group[0].ca_certificate, kid)
            return _verified_by(token, header, key, algorithm, issuer, group, hostname, where)
        except Refused as refused:
            refusals.append(refused)
        except WeakKey as weak:  # the key the token names is too weak to prove anything
            refusals.append(Refused(401, str(weak)))
        except IssuerUnreachable as error:
            unreachable = unreachable or error
    if unreachable is not None:  # one of the project's own could not be asked
        raise unreachable
    # A valid token that no publisher accepts (403) says more than a 401.
    raise max(refusals, key=lambda refused: refused.status)


def _by_ca_certificate(publishers: Sequence[TrustedPublisher]) -> list[list[TrustedPublisher]]:
    """The publishers by the CA their issuer's https is checked against, in
    the order first seen: one key fetch per distinct CA."""
    groups: dict[str | None, list[TrustedPublisher]] = {}
    for publisher in publishers:
        groups.setdefault(publisher.ca_certificate, []).append(publisher)
    return list(groups.values())


def _verified_by(
    token: str,
    header: dict[str, Any],
    key: jwt.PyJWK | None,
    algorithm: str,
    issuer: str,
    candidates: Sequence[TrustedPublisher],
    hostname: str,
    where: str,
) -> Verified:
    """The token checked with `key` (the issuer's, fetched with the CA these
    candidates share) and matched against them."""
    kid = header.get("kid")
    if kid is None and key is None:  # more than one key: the token must name its own
        raise Refused(
            401,
            f"The token's header names no key (kid) and {issuer} publishes more than one; "
            "send the token your CI issued, unchanged.",
        )
    if key is None or key.algorithm_name != algorithm:
        raise Refused(
            401,
            f"The token was signed with a key (kid {str(kid)[:64]!r}) that {issuer} does not "
            "publish in its JWKS.",
        )
    claims = _checked_claims(token, key, algorithm, issuer, candidates, hostname)
    return _accepting(candidates, claims, where)


def _is_seconds(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_times_and_types(claims: dict[str, Any], now: float) -> None:
    """What the token's own claims rule out, before its issuer's keys are
    fetched for it (an expired token cost a JWKS fetch on a cold cache) and in
    words that say what to fix (PyJWT's type errors were "could not be
    verified"). The signature then covers these very claims, so they need no
    second look once verified."""
    expires = claims.get("exp")
    if expires is None:
        raise Refused(401, "The token has no 'exp' claim.")
    for name in ("exp", "iat", "nbf"):
        if name in claims and not _is_seconds(claims[name]):
            raise Refused(401, f"The token's {name!r} claim is not a number of seconds.")
    for name in ("sub", "jti"):
        if name in claims and not isinstance(claims[name], str):
            raise Refused(401, f"The token's {name!r} claim is not a string.")
    if expires <= now:
        raise Refused(401, "The token has expired; request a fresh one in the job.")
    if expires - now > MAX_LIFETIME + SKEW:
        raise Refused(
            401, "The token lives longer than an hour; request one with a shorter lifetime."
        )


def _checked_claims(
    token: str,
    key: jwt.PyJWK,
    algorithm: str,
    issuer: str,
    candidates: Sequence[TrustedPublisher],
    hostname: str,
) -> dict[str, Any]:
    audiences = sorted({p.audience for p in candidates})
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=audiences,
            issuer=[issuer, f"{issuer}/"],
            leeway=SKEW,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.MissingRequiredClaimError as error:
        raise Refused(401, f"The token has no {error.claim!r} claim.") from None
    except jwt.InvalidAudienceError:
        raise Refused(
            401,
            "The token's audience (aud) is not the one the trusted publisher expects; by "
            f"default it is the registry's hostname, {hostname}.",
        ) from None
    except jwt.InvalidIssuerError:
        raise Refused(401, "The token's issuer (iss) is not the publisher's.") from None
    except jwt.ExpiredSignatureError:
        raise Refused(401, "The token has expired; request a fresh one in the job.") from None
    except jwt.ImmatureSignatureError:
        raise Refused(
            401, "The token is not valid yet (nbf or iat in the future); check the CI's clock."
        ) from None
    except jwt.InvalidSignatureError:
        raise Refused(401, "The token's signature does not verify with the issuer's key.") from None
    except jwt.PyJWTError:
        raise Refused(401, "The token could not be verified.") from None
    return claims


def _accepting(
    candidates: Sequence[TrustedPublisher], claims: dict[str, Any], where: str
) -> Verified:
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    closest: list[str] | None = None
    for publisher in candidates:
        if publisher.audience not in audiences:
            continue
        missing = mismatched(publisher.conditions, claims)
        if not missing:
            return Verified(publisher, claims)
        if closest is None or len(missing) < len(closest):
            closest = missing
    what = describe(candidates[0].provider, claims)
    if closest is None:
        raise Refused(403, f"No trusted publisher of {where} accepts the token's audience.")
    raise Refused(
        403,
        f"No trusted publisher of {where} accepts {what}; the claims that did not match: "
        f"{', '.join(closest)}.",
        closest,
    )
