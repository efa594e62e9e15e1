"""axe-core in the page under test: no WCAG 2.1 A or AA violation.

tests/web/vendor/axe.min.js is axe-core 4.14.1 from the npm registry (MPL-2.0,
its licence beside it; sha256 pinned below), kept in the test tree so CI needs
no npm. It is evaluated through the DevTools protocol (`page.evaluate`), which
the dashboard's Content-Security-Policy does not govern: no script tag is
added and the CSP stays on for everything the tests check."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_21_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "axe.min.js is not the pinned one"
    return source.decode()


def violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "),
                    summary: n.failureSummary,
                })),
            }));
        }""",
        WCAG_21_A_AA,
    )
    return found


def assert_accessible(page: Any, view: str) -> None:
    found = violations(page)
    assert found == [], f"{view}: WCAG 2.1 A/AA violations: {found}"
