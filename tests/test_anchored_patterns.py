"""A pattern that checks a whole value ends in `\\Z`, not `$`: Python's `$` also
matches before a final newline, so `shop\\n` passed as a namespace and `v1\\n` as
a tag. The probe of issue 30 found it in two modules; this walks them all, so a
new pattern cannot bring it back."""

from __future__ import annotations

import importlib
import pkgutil
import re

import app
from app.accounts.service import EMAIL_PATTERN
from app.applications.service import APP_NAME
from app.projects.namespaces import NAMESPACE
from app.registries.references import REPOSITORY_NAME, TAG


def module_patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for module_info in pkgutil.walk_packages(app.__path__, "app."):
        if ".migrations" in module_info.name or module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found[f"{module_info.name}.{name}"] = value
    return found


def test_whole_value_patterns_end_at_the_end_of_the_text():
    patterns = module_patterns()
    assert len(patterns) > 10
    open_ended = [
        name
        for name, pattern in patterns.items()
        if pattern.pattern.startswith("^") and pattern.pattern.endswith("$")
    ]
    assert open_ended == [], f"end these with \\Z instead of $: {open_ended}"


def test_a_trailing_newline_is_refused():
    for pattern, valid in (
        (NAMESPACE, "shop"),
        (APP_NAME, "web"),
        (TAG, "v1"),
        (REPOSITORY_NAME, "shop/web"),
        (EMAIL_PATTERN, "a@example.com"),
    ):
        assert pattern.match(valid), pattern.pattern
        assert not pattern.match(valid + "\n"), pattern.pattern
