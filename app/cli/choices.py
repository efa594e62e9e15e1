"""Options whose value is one of a few words (`--strategy`, `--type`).

Accepted in any case and with `-` or `_` alike, so the form the API and the
CLI's own output use (`PREBUILT_IMAGE`, `DOCKER_HUB`) works as well as the
documented one (`prebuilt_image`, `docker-hub`); a wrong value is refused with
the choices listed, in the CLI's words."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TypeVar

import typer

E = TypeVar("E", bound=Enum)


def _folded(text: str) -> str:
    return text.strip().casefold().replace("-", "_")


def parse_choice(enum: type[E]) -> Callable[[str | E], E]:
    by_folded = {_folded(str(member.value)): member for member in enum}

    def parse(value: str | E) -> E:
        if isinstance(value, enum):
            return value
        found = by_folded.get(_folded(str(value)))
        if found is None:
            raise typer.BadParameter(f"{value!r} is not one of {choices(enum)} (any case).")
        return found

    return parse


def choices(enum: type[Enum]) -> str:
    return ", ".join(str(member.value) for member in enum)


def metavar(enum: type[Enum]) -> str:
    return "[" + "|".join(str(member.value) for member in enum) + "]"
