"""Every module and package at the top of app/ has its place in the import-linter
layers: one left out would be free to import anything, and the layer table in
docs/architecture.md would not show it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def layered() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c.get("name", "").startswith("Layers")]
    return [name.strip() for layer in layers for name in layer.split("|")]


def test_every_top_level_module_of_app_is_in_a_layer():
    modules = {
        f"app.{path.stem}"
        for path in (ROOT / "app").iterdir()
        if not path.name.startswith("__")
        and (path.suffix == ".py" or (path / "__init__.py").exists())
    }
    modules -= {"app.migrations"}  # Tortoise's, imported by no module of ours
    assert sorted(modules - set(layered())) == []


def test_the_architecture_page_lists_the_layers_in_the_contracts_order():
    table = (ROOT / "docs/architecture.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`app." in line]
    listed = [
        name.strip(" `") for row in rows for name in row.split("|")[3].split(",") if name.strip()
    ]
    assert listed == layered()


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return list(config["contracts"])


def domain_packages() -> list[str]:
    from app.domains import DOMAINS

    return [f"app.{domain.name}" for domain in DOMAINS]


def test_every_domain_has_a_layer():
    assert [package for package in domain_packages() if package not in layered()] == []


def test_every_domain_is_checked_for_import_cycles():
    [acyclic] = [c for c in contracts() if c["type"] == "acyclic_siblings"]
    ancestors = acyclic["ancestors"]
    assert isinstance(ancestors, list)
    assert [package for package in domain_packages() if package not in ancestors] == []


def test_no_domain_may_import_the_graphql_module_of_a_domain_below_it():
    """The layers keep a domain from importing any domain above it; a forbidden
    contract must keep it from the GraphQL modules of those below."""
    [layers] = [c["layers"] for c in contracts() if str(c.get("name")).startswith("Layers")]
    assert isinstance(layers, list)
    # Modules of one row are independent: the layers contract keeps them apart.
    layer_of = {name.strip(): row for row, layer in enumerate(layers) for name in layer.split("|")}
    forbidden = [
        (source, target)
        for contract in contracts()
        if contract["type"] == "forbidden"
        for source in contract["source_modules"]  # type: ignore[attr-defined]
        for target in contract["forbidden_modules"]  # type: ignore[attr-defined]
    ]
    missing = [
        f"{upper} -> {lower}.graphql"
        for upper in domain_packages()
        for lower in domain_packages()
        if layer_of[upper] < layer_of[lower] and (upper, f"{lower}.graphql") not in forbidden
    ]
    assert missing == []


def test_a_domain_missing_from_the_contracts_is_found(monkeypatch):
    from app import domains
    from app.domain import Domain

    monkeypatch.setattr(domains, "DOMAINS", [*domains.DOMAINS, Domain(name="vaults")])

    with pytest.raises(AssertionError, match=r"app\.vaults"):
        test_every_domain_has_a_layer()
    with pytest.raises(AssertionError, match=r"app\.vaults"):
        test_every_domain_is_checked_for_import_cycles()
