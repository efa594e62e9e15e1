"""Parse a JSON request body, refusing what the json module would choke on.

Bytes that are not UTF-8 and nesting deeper than any real request needs are
400s that say what is wrong, not 500s. The standard parser recurses, so
`[[[[…` past the interpreter's recursion limit raises RecursionError; nesting
below that limit but past MAX_JSON_DEPTH is measured on the parsed value. No
regular expression scans the text: one over an unterminated string backtracked
for seconds on a body of a few dozen bytes.
"""

from __future__ import annotations

import json
from typing import Any

from app.http.refusals import RequestRefused

MAX_JSON_DEPTH = 32


def json_depth(value: Any) -> int:
    """The deepest nesting of arrays and objects in a parsed JSON value."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> RequestRefused:
    return RequestRefused(
        400, "BAD_REQUEST", f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels."
    )


def parse_json_body(data: str | bytes) -> Any:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestRefused(400, "BAD_REQUEST", "The request body is not UTF-8.") from None
    else:
        text = data
    try:
        value = json.loads(text)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        raise RequestRefused(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise _too_deep()
    return value
