"""`Commands`: a `typer.Typer` whose commands and groups leave pydantic unloaded
while every parameter they were given is a flag.

typer (0.29) coerces each parameter's value through a pydantic TypeAdapter that it
builds, importing pydantic, the first time the parameter is processed. It skips
that for a bool flag whose value is already a bool, but its own flags (`--help`,
`--install-completion`, `--show-completion`) have no default, so when they are
not given their value is None, and None goes through the adapter. pydantic is
then most of what `nodion projects list` imports (issue 24: a user command starts
at the speed of its own imports). A bool flag that was not given is False: with
that default, typer never builds an adapter for such a flag.

Options that take a value (a project name, a region) still load pydantic when
given; `tests/cli/test_start_up_imports.py` checks the commands that need none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption


def unset_flags_are_false(params: list[Any]) -> list[Any]:
    """`params`, each bool flag without a default now defaulting to False."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_bool_flag and param.default is None:
            param.default = False
    return params


class FlagsDefaultFalseCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:  # typer._click.Context, private
        return unset_flags_are_false(super().get_params(ctx))


class FlagsDefaultFalseGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:  # typer._click.Context, private
        return unset_flags_are_false(super().get_params(ctx))


class Commands(typer.Typer):
    """`typer.Typer` with the classes above for its group and its commands."""

    def __init__(
        self, group_class: type[FlagsDefaultFalseGroup] = FlagsDefaultFalseGroup, **options: Any
    ) -> None:
        super().__init__(cls=group_class, **options)

    def command(  # typer spells out each option; they pass on as they are
        self, name: str | None = None, **options: Any
    ) -> Callable[[Any], Any]:
        return super().command(name, cls=FlagsDefaultFalseCommand, **options)
