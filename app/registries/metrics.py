"""The registries' Prometheus metrics (declared in their `Domain(metrics=...)`);
labels take values from fixed sets, whatever clients send (app/metrics.py)."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

# `expired` and `revoked` are refusals of the access tokens that can expire and be
# revoked (issue 19): their verifier says so (token_auth.LoginRefused), and the
# token endpoint reports them through record_login.
LOGIN_OUTCOMES: Final = ("granted", "unknown", "expired", "revoked", "throttled", "unavailable")

REGISTRY_LOGINS = Counter(
    "nodion_registry_logins_total",
    "Logins at the registry token endpoint, by outcome.",
    ["outcome"],
)
OUTBOUND_CHECKS = Counter(
    "nodion_outbound_checks_total",
    "Checks of third-party registries, by verification status.",
    ["status"],
)

for _outcome in LOGIN_OUTCOMES:  # present at 0 from the start, so rates work at once
    REGISTRY_LOGINS.labels(_outcome)

METRICS = [REGISTRY_LOGINS, OUTBOUND_CHECKS]


def record_login(outcome: str) -> None:
    """One login at the token endpoint ended so (one of LOGIN_OUTCOMES)."""
    REGISTRY_LOGINS.labels(outcome if outcome in LOGIN_OUTCOMES else "unknown").inc()


def record_outbound_check(status: str) -> None:
    OUTBOUND_CHECKS.labels(status[:32]).inc()  # a VerificationStatus value
