"""Exit codes of the `nodion` command, and the one exception that carries them.

Scripts branch on these codes, so they are part of the CLI's contract (listed
in docs/api.md): never renumber one."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # anything not listed below, e.g. invalid settings of the service
    USAGE = 2  # a bad command line (click's own code)
    AUTH = 3  # no API token, or the token was not accepted
    NOT_FOUND = 4  # no such project, registry, app or image
    REFUSED = 5  # the API refused the input: validation, conflict, a failed check
    UNREACHABLE = 6  # the API (or its database) cannot be reached
    FORBIDDEN = 7  # your role in the project does not allow the change
    AMBIGUOUS = 8  # a reference that fits several objects: name one by its ID (app/cli/resolve.py)


class CliError(Exception):
    """A failure to report as one line on stderr, ending the command with `code`."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
