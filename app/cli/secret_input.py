"""Reading a secret the way that leaves no trace: standard input, a file, or a
prompt without echo. Never a command-line argument (shell history, `ps`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.errors import CliError, ExitCode

TokenStdinOption = Annotated[
    bool, typer.Option("--token-stdin", help="Read the token from standard input.")
]
TokenFileOption = Annotated[
    Path | None, typer.Option("--token-file", help="Read the token from this file.")
]


def read_secret(*, stdin: bool, file: Path | None, prompt: str | None) -> str | None:
    """The secret, stripped; None when none was asked for (`prompt` None and no
    stdin or file). With `prompt`, a terminal is asked without echo and a pipe
    is read."""
    if stdin and file:
        raise CliError("use --token-stdin or --token-file, not both", ExitCode.USAGE)
    if file is not None:
        try:
            text = file.read_text()
        except OSError as error:
            raise CliError(f"cannot read {file}: {error.strerror}", ExitCode.USAGE) from None
    elif stdin or (prompt is not None and not sys.stdin.isatty()):
        text = sys.stdin.read()
    elif prompt is not None:
        text = typer.prompt(prompt, hide_input=True)
    else:
        return None
    secret = text.strip()
    if not secret:
        raise CliError("the token is empty", ExitCode.USAGE)
    return secret
