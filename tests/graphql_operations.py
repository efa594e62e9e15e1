"""The dashboard's named queries (temporary: read from documents.js)."""

from __future__ import annotations

import re
from pathlib import Path

DOCUMENTS = Path(__file__).parent.parent / "app/web/dashboard/documents.js"


def dashboard_queries() -> dict[str, str]:
    text = DOCUMENTS.read_text()
    constants = dict(re.findall(r"const (\w+) = `([^`]*)`", text))
    found = {}
    for body in re.findall(r"`\s*(query \w+[^`]*)`", text):
        body = re.sub(r"\$\{(\w+)\}", lambda m: constants[m.group(1)], body)
        name = re.match(r"query (\w+)", body).group(1)
        if name != "CheckImage":
            found[name] = body
    return found
