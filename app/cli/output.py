"""What user commands print: aligned tables for people, one JSON document for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

import typer

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document (the API's fields) instead.")
]

Row = dict[str, Any]
Column = tuple[str, Callable[[Row], Any]]


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2))


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def print_table(rows: Sequence[Row], columns: Sequence[Column], empty: str) -> None:
    if not rows:
        typer.echo(empty)
        return
    headers = [title for title, _ in columns]
    body = [[cell(get(row)) for _, get in columns] for row in rows]
    widths = [max(len(line[i]) for line in [headers, *body]) for i in range(len(headers))]
    for line in [headers, *body]:
        typer.echo(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


def print_fields(fields: Sequence[tuple[str, Any]]) -> None:
    """`label: value` lines, the labels aligned."""
    width = max(len(label) for label, _ in fields) + 1
    for label, value in fields:
        typer.echo(f"{label + ':':<{width}} {cell(value)}")


def key(name: str) -> Callable[[Row], Any]:
    return lambda row: row.get(name)


def local_time(name: str) -> Callable[[Row], Any]:
    """An API timestamp (ISO 8601, UTC, microseconds) as people read it: the
    local time zone, to the second. `--json` keeps the API's ISO text."""

    def shown(row: Row) -> str | None:
        value = row.get(name)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
        return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")

    return shown


def registry_label(registry: Row) -> str:
    """A registry's name, and its host unless the name says it already."""
    name, hostname = str(registry["name"]), str(registry["hostname"])
    return name if hostname in name else f"{name} ({hostname})"
