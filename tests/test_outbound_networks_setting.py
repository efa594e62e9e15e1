"""NODION_ALLOWED_OUTBOUND_NETWORKS governs every outbound connection; the
older NODION_ALLOWED_REGISTRY_NETWORKS keeps working."""

from __future__ import annotations

import pytest

from app.settings import Settings


@pytest.mark.parametrize(
    "variable", ["NODION_ALLOWED_OUTBOUND_NETWORKS", "NODION_ALLOWED_REGISTRY_NETWORKS"]
)
def test_either_name_sets_the_allow_list(monkeypatch, variable):
    monkeypatch.delenv("NODION_ALLOWED_OUTBOUND_NETWORKS", raising=False)
    monkeypatch.delenv("NODION_ALLOWED_REGISTRY_NETWORKS", raising=False)
    monkeypatch.setenv(variable, "10.20.0.0/16")
    assert Settings().allowed_registry_networks == "10.20.0.0/16"


def test_the_keyword_still_sets_it_and_a_bad_network_is_refused():
    assert Settings(allowed_registry_networks="127.0.0.0/8").allowed_registry_networks == (
        "127.0.0.0/8"
    )
    with pytest.raises(ValueError):
        Settings(allowed_registry_networks="not a network")
