"""The vendored GraphiQL files are exactly the ones the manifest pins (checked
offline; scripts/vendor_graphiql.py compares them with the npm registry)."""

from __future__ import annotations

import hashlib
import json

from app.web.pages import STATIC

VENDOR = STATIC / "vendor"
MANIFEST = json.loads((VENDOR / "manifest.json").read_text())


def test_every_vendored_file_matches_its_pinned_hash():
    listed = set()
    for package in MANIFEST["packages"]:
        assert package["version"][0].isdigit() and package["integrity"].startswith("sha512-")
        for file in package["files"]:
            path = VENDOR / file["to"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == file["sha256"], file["to"]
            listed.add(path)
    on_disk = {path for path in VENDOR.rglob("*") if path.is_file()} - {VENDOR / "manifest.json"}
    assert on_disk == listed


def test_every_vendored_folder_carries_its_licence():
    folders = {path.parent for path in VENDOR.rglob("*") if path.is_file()} - {VENDOR}
    for folder in folders:
        assert (folder / "LICENSE").read_text().startswith("MIT License"), folder
