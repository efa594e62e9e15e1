"""Parse a JSON request body, refusing what the json module would choke on.

Bytes that are not UTF-8 and nesting deeper than any real request needs (the
standard parser recurses, so `[[[[…` ends in a RecursionError) are 400s that say
what is wrong, not 500s.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from app.http.refusals import RequestRefused

MAX_JSON_DEPTH = 32
_STRINGS = re.compile(r'"(?:[^"\\]+|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects; brackets inside strings do not count."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(_STEP[char] for char in brackets), default=0)


def parse_json_body(data: str | bytes) -> Any:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestRefused(400, "BAD_REQUEST", "The request body is not UTF-8.") from None
    else:
        text = data
    if json_depth(text) > MAX_JSON_DEPTH:
        raise RequestRefused(
            400, "BAD_REQUEST", f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels."
        )
    try:
        return json.loads(text)
    except ValueError:
        raise RequestRefused(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
