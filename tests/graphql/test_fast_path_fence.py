"""The fence around library internals (docs/architecture.md, "The GraphQL fast path").

Every module of app/ is read as an AST. Outside the fenced modules, it may import
from strawberry and graphql-core only the modules listed in PUBLIC_MODULES, and
from those only names the module exports (its `__all__`); it may not read or
override the internal attributes and methods in INTERNALS. The fenced modules
are the only place a strawberry or graphql-core release can break by renaming
something it never promised to keep.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

FENCED = {
    "app/graphql/core/fast_path/compat.py",  # what the fast path reads
    "app/graphql/core/fast_path/execution.py",  # graphql-core methods it overrides
}

# The import paths strawberry's and graphql-core's documentation uses.
PUBLIC_MODULES = {
    "strawberry",
    "strawberry.asgi",
    "strawberry.dataloader",
    "strawberry.extensions",
    "strawberry.http",
    "strawberry.permission",
    "strawberry.relay",
    "strawberry.scalars",
    "strawberry.schema.config",
    "strawberry.tools",
    "strawberry.types",
    "strawberry.types.nodes",  # the types of Info.selected_fields
    "graphql",
    "graphql.validation",
}

# Attributes and methods of strawberry's and graphql-core's objects that neither
# documents; reading, calling or overriding one outside the fence is refused.
INTERNALS = {
    "__strawberry_definition__",
    "DEFINITION_BACKREF",
    "base_resolver",
    "cache_map",
    "collect_fields",
    "collect_subfields",
    "complete_list_value",
    "complete_value",
    "default_resolver",
    "execute_field",
    "execute_fields",
    "get_field_resolver",
    "is_basic_field",
    "load_fn",
    "middleware_manager",
    "python_name",
    "resolve_id_attr",
    "wrapped_func",
}

LIBRARIES = ("strawberry", "graphql")


def _is_library(module: str) -> bool:
    return module.split(".")[0] in LIBRARIES


def _exports(module: str) -> set[str] | None:
    exported = getattr(importlib.import_module(module), "__all__", None)
    return set(exported) if exported is not None else None


def violations(source: str, where: str) -> list[str]:
    """What `source` (the module at `where`) uses of the libraries' internals."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_library(alias.name) and alias.name not in PUBLIC_MODULES:
                    found.append(f"{line}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and _is_library(node.module):
            if node.module not in PUBLIC_MODULES:
                found.append(f"{line}: from {node.module} import ...")
                continue
            exported = _exports(node.module)
            for alias in node.names:
                public = alias.name in exported if exported is not None else True
                if not public or alias.name.startswith("_"):
                    found.append(f"{line}: {alias.name} from {node.module}")
        elif isinstance(node, ast.Attribute) and node.attr in INTERNALS:
            found.append(f"{line}: .{node.attr}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in INTERNALS:
            found.append(f"{line}: def {node.name}")
    return found


def test_library_internals_are_used_in_the_fenced_modules_only() -> None:
    found = []
    for path in sorted(APP.rglob("*.py")):
        where = str(path.relative_to(APP.parent))
        if where not in FENCED:
            found += violations(path.read_text(), where)
    assert found == []


def test_the_fenced_modules_exist() -> None:
    for where in FENCED:
        assert (APP.parent / where).is_file(), where


def test_the_fence_sees_each_kind_of_internal_use() -> None:
    refused = {
        "from strawberry.types.field import StrawberryField": 1,
        "import graphql.execution.collect_fields": 1,
        "from strawberry.relay import _private": 1,
        "from graphql import not_exported_anywhere": 1,
        "x = field.python_name": 1,
        "class M:\n    def get_field_resolver(self, f): return f": 1,
        "self.collect_subfields(t, f)": 1,
    }
    for source, count in refused.items():
        assert len(violations(source, "app/x.py")) == count, source
    allowed = (
        "import strawberry\nfrom strawberry.types import Info\nfrom graphql import GraphQLError"
    )
    assert violations(allowed, "app/x.py") == []
