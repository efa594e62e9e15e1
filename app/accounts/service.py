from __future__ import annotations

import re

from tortoise.exceptions import IntegrityError

from app.accounts.models import ApiToken, User
from app.errors import ValidationFailed
from app.security.tokens import API_TOKEN_PREFIX, new_token, token_digest, token_hint

# Deliberately loose: the address is an identifier here, not a mailbox we verify.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


async def create_user(email: str) -> User:
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise ValidationFailed("email", "Enter an email address like name@example.com.")
    try:
        return await User.create(email=email)
    except IntegrityError:
        raise ValidationFailed("email", f"A user with email {email} already exists.") from None


async def issue_api_token(user: User, pepper: bytes) -> str:
    """Create a personal API token; the plaintext is returned once and never stored."""
    token = new_token(API_TOKEN_PREFIX)
    await ApiToken.create(user=user, digest=token_digest(token, pepper), hint=token_hint(token))
    return token
