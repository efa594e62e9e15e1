from __future__ import annotations

import re

from app.security.tokens import (
    API_TOKEN_PREFIX,
    REGISTRY_TOKEN_PREFIX,
    is_well_formed,
    new_token,
    token_digest,
)


def test_tokens_have_a_scannable_shape():
    token = new_token(REGISTRY_TOKEN_PREFIX)

    assert re.fullmatch(r"nrt_[0-9A-Za-z]{49}", token)
    assert is_well_formed(token, REGISTRY_TOKEN_PREFIX)
    assert not is_well_formed(token, API_TOKEN_PREFIX)


def test_every_single_character_typo_is_caught_by_the_checksum():
    token = new_token(API_TOKEN_PREFIX)
    body = token[len(API_TOKEN_PREFIX) :]

    for position, char in enumerate(body):
        replacement = "a" if char != "a" else "b"
        typo = API_TOKEN_PREFIX + body[:position] + replacement + body[position + 1 :]
        assert not is_well_formed(typo, API_TOKEN_PREFIX), position


def test_tokens_are_unique_and_digests_depend_on_the_pepper():
    tokens = {new_token(REGISTRY_TOKEN_PREFIX) for _ in range(1000)}

    assert len(tokens) == 1000
    token = tokens.pop()
    assert token_digest(token, b"a" * 32) != token_digest(token, b"b" * 32)
    assert token not in token_digest(token, b"a" * 32)
