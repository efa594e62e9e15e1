"""Every module and package at the top of app/ has its place in the import-linter
layers: one left out would be free to import anything, and the layer table in
docs/architecture.md would not show it."""

from __future__ import annotations

import tomllib
from pathlib import Path

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
