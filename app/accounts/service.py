from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from app.accounts.models import API_TOKEN, ApiToken, User
from app.errors import ValidationFailed
from app.security.tokens import token_digest, token_hint
from app.transactions import unless_storage_full

# Deliberately loose: the address is an identifier here, not a mailbox we verify.
# No control characters either: PostgreSQL refuses a NUL byte in text outright.
EMAIL_PATTERN = re.compile(
    r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+\Z"
)
EMAIL_MAX_LENGTH = 254


def member_email(value: str) -> str:
    """An email address as stored, or ValidationFailed before any query (and
    before a megabyte of it is echoed in a message or a log)."""
    email = value.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.match(email):
        raise ValidationFailed("email", "Enter an email address like name@example.com.")
    return email


async def create_user(email: str) -> User:
    email = member_email(email)
    try:
        return await User.create(email=email)
    except IntegrityError:
        raise ValidationFailed("email", f"A user with email {email} already exists.") from None


async def issue_api_token(user: User, pepper: bytes) -> str:
    """Create a personal API token; the plaintext is returned once and never stored."""
    token = API_TOKEN.new()
    await ApiToken.create(user=user, digest=token_digest(token, pepper), hint=token_hint(token))
    return token


# Recording every request as a write would make reads expensive; a minute is
# precise enough to answer "is this token still in use?".
LAST_USED_RESOLUTION = timedelta(minutes=1)


def bearer_token(authorization: str | None) -> str | None:
    """The token of `Authorization: Bearer <token>` (the scheme in any case)."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


async def authenticate(authorization: str | None, pepper: bytes) -> User | None:
    """The user of a personal API token, or None."""
    token = bearer_token(authorization)
    if token is None or not API_TOKEN.is_well_formed(token):
        return None
    api_token = (
        await ApiToken.filter(digest=token_digest(token, pepper)).select_related("user").first()
    )
    if api_token is None:
        return None
    now = datetime.now(UTC)
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        await unless_storage_full(
            lambda: ApiToken.filter(id=api_token.id).update(last_used_at=now),
            "recording an API token's last use",
        )
    return api_token.user
