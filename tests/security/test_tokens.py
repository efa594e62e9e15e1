from __future__ import annotations

import re

import pytest

from app.accounts.models import API_TOKEN
from app.registries.models import REGISTRY_TOKEN
from app.security.tokens import TokenKind, token_digest


def test_tokens_have_a_scannable_shape():
    token = REGISTRY_TOKEN.new()

    assert re.fullmatch(r"nrt_[0-9A-Za-z]{49}", token)
    assert REGISTRY_TOKEN.is_well_formed(token)
    assert not API_TOKEN.is_well_formed(token)


def test_every_single_character_typo_is_caught_by_the_checksum():
    token = API_TOKEN.new()
    body = token[len(API_TOKEN.prefix) :]

    for position, char in enumerate(body):
        replacement = "a" if char != "a" else "b"
        typo = API_TOKEN.prefix + body[:position] + replacement + body[position + 1 :]
        assert not API_TOKEN.is_well_formed(typo), position


def test_tokens_are_unique_and_digests_depend_on_the_pepper():
    tokens = {REGISTRY_TOKEN.new() for _ in range(1000)}

    assert len(tokens) == 1000
    token = tokens.pop()
    assert token_digest(token, b"a" * 32) != token_digest(token, b"b" * 32)
    assert token not in token_digest(token, b"a" * 32)


@pytest.mark.parametrize("prefix", ["nat", "nat-", "NAT_", "nodion_", "n.t_", ""])
def test_a_prefix_the_token_endpoint_could_not_tell_apart_is_refused(prefix):
    """Kinds are told apart by a token's first four characters."""
    with pytest.raises(ValueError, match="three lower-case letters"):
        TokenKind(prefix)
