"""The depth and alias limits, as validation rules built once per process.

strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` build a new rule class
each time they are constructed. Given to the schema as factories (one extension
per request, as strawberry asks), every request would then bring rule classes
never seen before, and the document cache, which keys validation results by
their rules (app/graphql/core/document_cache.py), would never hit. So each
limiter is constructed once, here, through its public constructor, and a
request's extension adds the rules it built (`AddValidationRules`, public too).
The same in both modes: the fast path plays no part in validation.
"""

from __future__ import annotations

from functools import partial

from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    IgnoreContext,
    MaxAliasesLimiter,
    QueryDepthLimiter,
)

MAX_DEPTH = 10
MAX_ALIASES = 30


def _ignore_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


def _rules_built_once() -> list[type[ASTValidationRule]]:
    # Each limiter is an AddValidationRules; `validation_rules` is the argument
    # that class documents, kept under its own name.
    limiters: list[AddValidationRules] = [
        QueryDepthLimiter(max_depth=MAX_DEPTH, should_ignore=_ignore_introspection),
        MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ]
    return [rule for limiter in limiters for rule in limiter.validation_rules]


LIMIT_RULES: tuple[type[ASTValidationRule], ...] = tuple(_rules_built_once())


def limits_extension() -> partial[AddValidationRules]:
    """The factory to give the schema: a fresh extension per request, the same rules."""
    return partial(AddValidationRules, list(LIMIT_RULES))
