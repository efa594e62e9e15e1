"""The two HTML pages, read once from pages/ with Subresource Integrity values
filled in for the scripts and stylesheets they load."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from starlette.responses import HTMLResponse

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
PAGES = HERE / "pages"
# `{{sri:vendor/react/react.production.min.js}}` -> sha384-… of that static file.
SRI_PLACEHOLDER = re.compile(r"\{\{sri:([A-Za-z0-9._/-]+)\}\}")


def subresource_integrity(relative: str) -> str:
    path = (STATIC / relative).resolve()
    if not path.is_relative_to(STATIC):
        raise ValueError(f"{relative} is outside the static folder")
    digest = hashlib.sha384(path.read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


@cache
def page_html(name: str) -> str:
    text = (PAGES / name).read_text()
    return SRI_PLACEHOLDER.sub(lambda match: subresource_integrity(match.group(1)), text)


def page(name: str) -> HTMLResponse:
    return HTMLResponse(page_html(name))
