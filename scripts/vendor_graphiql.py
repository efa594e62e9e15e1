#!/usr/bin/env python3
"""Fetch the GraphiQL assets the service serves itself, from the npm registry,
and check them against the pinned versions and hashes in the manifest.

    scripts/vendor_graphiql.py            # download, compare with the manifest, change nothing
    scripts/vendor_graphiql.py --update   # after editing a version in the manifest: rewrite
                                          # the files and record their new hashes

The manifest (app/web/static/vendor/manifest.json) is the one place versions are
pinned. `npm pack` checks each tarball against the registry's own integrity
value; this script also compares that value with the one recorded here, so a
republished tarball is noticed, and every copied file has its sha256 recorded
(tests/web/test_vendored_assets.py checks them offline)."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "app" / "web" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(spec: str, folder: Path) -> tuple[Path, str]:
    """The tarball of `spec` (name@version) and its registry integrity value."""
    done = subprocess.run(
        ["npm", "pack", "--json", "--silent", spec],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    [packed] = json.loads(done.stdout)
    return folder / packed["filename"], packed["integrity"]


def unpack(tarball: Path, folder: Path) -> Path:
    with tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite files and hashes")
    args = parser.parse_args()
    manifest = json.loads(MANIFEST.read_text())
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as temp:
        for index, package in enumerate(manifest["packages"]):
            spec = f"{package['name']}@{package['version']}"
            work = Path(temp) / str(index)
            work.mkdir()
            tarball, integrity = npm_pack(spec, work)
            if integrity != package.get("integrity"):
                problems.append(f"{spec}: registry integrity {integrity} != manifest")
                package["integrity"] = integrity
            root = unpack(tarball, work)
            for file in package["files"]:
                source = root / file["from"]
                digest = sha256(source)
                if digest != file.get("sha256"):
                    problems.append(f"{spec}: {file['from']} has sha256 {digest} != manifest")
                    file["sha256"] = digest
                if args.update:
                    target = VENDOR / file["to"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                elif sha256(VENDOR / file["to"]) != digest:
                    problems.append(f"{file['to']} differs from {spec}'s {file['from']}")
    if args.update:
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
        for problem in problems:
            print("updated:", problem)
        print(f"wrote {MANIFEST}")
        return 0
    for problem in problems:
        print("MISMATCH:", problem, file=sys.stderr)
    if problems:
        print("If a version was bumped on purpose, run with --update.", file=sys.stderr)
        return 1
    print("vendored GraphiQL assets match the npm registry and the manifest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
