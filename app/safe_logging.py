"""Describe an exception for the log without its message.

Exception messages carry input: asyncpg's DataError quotes the offending
parameter, a GraphQL syntax error quotes the document, a UnicodeDecodeError the
bytes. Any of them can be a token or a megabyte of garbage, so the log gets the
classes of the error and its causes plus where they were raised, never the text.
"""

from __future__ import annotations

import traceback

MAX_FRAMES = 12


def _qualified(error: BaseException) -> str:
    kind = type(error)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def error_summary(error: BaseException, *, with_stack: bool = False) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = _qualified(current)
        if with_stack and current.__traceback__ is not None:
            frames = traceback.extract_tb(current.__traceback__)[-MAX_FRAMES:]
            text += " at " + " <- ".join(
                f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
                for frame in reversed(frames)
            )
        parts.append(text)
        current = current.__cause__ or current.__context__
    return " caused by ".join(parts)
