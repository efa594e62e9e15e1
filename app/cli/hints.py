"""How to run this very `nodion`, so that printed hints can be pasted as they are."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def program() -> str:
    """`nodion` when that name on PATH is this program; otherwise the path it was
    started by (relative to the current folder when inside it, e.g.
    `.venv/bin/nodion`), or `python -m app.cli` when started that way."""
    started = Path(sys.argv[0])
    if started.name != "nodion":
        return f"{_shown(Path(sys.executable))} -m app.cli"
    on_path = shutil.which("nodion")
    if on_path and Path(on_path).resolve() == started.resolve():
        return "nodion"
    return _shown(started)


def _shown(path: Path) -> str:
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)
