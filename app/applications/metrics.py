"""The applications' Prometheus metrics (declared in their `Domain(metrics=...)`);
labels take values from fixed sets (app/metrics.py)."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

DEPLOYMENT_TRANSITIONS: Final = (
    "created",
    "claimed",
    "succeeded",
    "failed",
    "lease_lost",
    "late_report",
)
CLAIM_OUTCOMES: Final = ("granted", "empty", "unavailable")

DEPLOYMENT_TRANSITIONS_TOTAL = Counter(
    "nodion_deployment_transitions_total",
    "Deployment state changes: created, claimed, succeeded, failed, lease_lost (the "
    "holder's lease ran out), late_report (a superseded holder's report, refused).",
    ["transition"],
)
DEPLOY_CLAIMS = Counter(
    "nodion_deploy_claims_total",
    "Claims by deploy targets: granted (a deployment handed out), empty (nothing to "
    "claim), unavailable (database unavailable).",
    ["outcome"],
)

for _outcome in CLAIM_OUTCOMES:  # present at 0 from the start, so rates work at once
    DEPLOY_CLAIMS.labels(_outcome)
for _transition in DEPLOYMENT_TRANSITIONS:
    DEPLOYMENT_TRANSITIONS_TOTAL.labels(_transition)

METRICS = [DEPLOYMENT_TRANSITIONS_TOTAL, DEPLOY_CLAIMS]


def record_transition(transition: str) -> None:
    if transition in DEPLOYMENT_TRANSITIONS:
        DEPLOYMENT_TRANSITIONS_TOTAL.labels(transition).inc()


def record_claim(outcome: str) -> None:
    if outcome in CLAIM_OUTCOMES:
        DEPLOY_CLAIMS.labels(outcome).inc()
