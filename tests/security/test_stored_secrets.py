"""Only one module decrypts stored secrets (app/security/stored_secrets.py; its
`reveal` makes every caller name why): checked over the source, so a new caller
of the key ring's decryption cannot slip in unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

import app

APP = Path(app.__file__).parent
DECRYPTING = {"decrypt", "reencrypt"}  # KeyRing's methods that read a plaintext
THE_ONE_MODULE = APP / "security" / "stored_secrets.py"
KEY_RING = APP / "security" / "crypto.py"


def calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def method_name(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def test_only_the_stored_secrets_module_decrypts():
    decrypting = {
        f"{path.relative_to(APP)}:{call.lineno}"
        for path in APP.rglob("*.py")
        if path not in (THE_ONE_MODULE, KEY_RING)
        for call in calls(ast.parse(path.read_text()))
        if method_name(call) in DECRYPTING
    }

    assert decrypting == set()
