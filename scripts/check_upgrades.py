"""The combinations of releases scripts/check-upgrades.sh runs the suite on.

Prints one line per combination, fields separated by tabs: a label, then the
requirements to install beside the project. The label `pins ignored` means the
project is installed without its own pins (pip --no-deps) and every direct
dependency at its newest release. Versions come from the package index, so the
answer follows new releases without editing anything here."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

FENCED = ("strawberry-graphql", "graphql-core")  # what the fast path builds on


def released(name: str) -> list[Version]:
    """Final releases on the index, newest first."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name, "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    versions = [Version(v) for v in json.loads(out)["versions"]]
    return sorted((v for v in versions if not v.is_prerelease), reverse=True)


def main() -> None:
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    requirements = {Requirement(line).name: Requirement(line) for line in project["dependencies"]}
    allowed = {}
    for name in FENCED:
        versions = [v for v in released(name) if v in requirements[name].specifier]
        allowed[name] = versions
    strawberry, graphql_core = allowed["strawberry-graphql"], allowed["graphql-core"]
    # The newest release of each strawberry line (0.337.x, 0.338.x, ...) allowed.
    lines: dict[str, Version] = {}
    for version in strawberry:
        lines.setdefault(re.sub(r"\.\d+$", "", str(version)), version)
    oldest = f"strawberry-graphql=={strawberry[-1]}", f"graphql-core=={graphql_core[-1]}"
    print("\t".join(["oldest allowed", *oldest]))
    for line_newest in sorted(lines.values())[:-1]:
        pins = f"strawberry-graphql=={line_newest}", f"graphql-core=={graphql_core[0]}"
        print("\t".join([f"strawberry {line_newest}", *pins]))
    newest = f"strawberry-graphql=={strawberry[0]}", f"graphql-core=={graphql_core[0]}"
    print("\t".join(["newest allowed", *newest]))
    # Every direct dependency at its newest release, pins ignored: what an
    # upgrade of the pins would bring (a new strawberry line, say).
    unpinned = [
        f"{r.name}{'[' + ','.join(sorted(r.extras)) + ']' if r.extras else ''}"
        + (f"; {r.marker}" if r.marker else "")
        for r in requirements.values()
    ]
    tools = project["optional-dependencies"]["test"]
    print("\t".join(["newest released, pins ignored", *unpinned, *tools]))


if __name__ == "__main__":
    main()
