"""docs/security.md names, for each guarantee, the tests that prove it: every
one it names must exist, or the threat model points at nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"`([\w/]+\.py)::(test_\w+)`")


def _tests_in(path: Path) -> set[str]:
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, functions)}


def test_every_test_the_threat_model_names_exists():
    text = (ROOT / "docs" / "security.md").read_text()
    references = REFERENCE.findall(text)
    assert len(references) > 40, "the threat model names its proofs as `file.py::test_name`"
    missing = [
        f"{file}::{name}"
        for file, name in references
        if not (ROOT / "tests" / file).is_file() or name not in _tests_in(ROOT / "tests" / file)
    ]
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"
