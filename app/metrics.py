"""The service's Prometheus metrics (prometheus-client), names prefixed `nodion_`.

Every label takes values from a fixed set, whatever clients send: a route is
its template (`/deploy/v1/deployments/{deployment_id}/status`) or `unmatched`,
a method one of the HTTP methods or `OTHER`, a GraphQL operation one of the
client operations in app/operations/ or `other`. So no client can grow the
number of series (tests/test_metrics.py sends 10,000 crafted ones).

With `nodion serve --workers N` every worker is its own process: `serve` sets
PROMETHEUS_MULTIPROC_DIR before this module is imported, each process writes
its values to files there, and /metrics adds them up at scrape time
(app/http/metrics_route.py). Without it (tests in one process) the library's
default registry holds them.

Here are the service's own metrics; each domain declares its own in its module
`metrics.py` and lists them in its `Domain(metrics=...)`.
"""

from __future__ import annotations

import os
import platform
from typing import Final

from prometheus_client import Counter, Gauge, Histogram

from app.operations import operation_names

MULTIPROCESS_DIR_VARIABLE: Final = "PROMETHEUS_MULTIPROC_DIR"
OTHER: Final = "other"
UNMATCHED_ROUTE: Final = "unmatched"
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
KNOWN_OPERATIONS: Final = frozenset(operation_names())

GRAPHQL_OUTCOMES: Final = ("ok", "typed_error", "invalid", "unexpected", "unavailable")
HTTP_REQUESTS = Counter(
    "nodion_http_requests_total",
    "HTTP requests answered, by route template, method and status class.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "nodion_http_request_duration_seconds",
    "Time from a request's arrival to its last answer byte, by route template, method "
    "and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GRAPHQL_OPERATIONS = Counter(
    "nodion_graphql_operations_total",
    "GraphQL operations, by client operation name (`other` for any other or unnamed) and outcome.",
    ["operation", "outcome"],
)
DATABASE_UNAVAILABLE = Counter(
    "nodion_database_unavailable_total",
    "Requests answered 503 because the database could not be reached.",
)
BUILD_INFO = Gauge(
    "nodion_build_info",
    "Always 1; the labels say what runs.",
    ["version", "python", "database"],
    multiprocess_mode="max",
)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status < 600 else OTHER


def observe_request(route: str | None, method: str, status: int, seconds: float) -> None:
    labels = (
        route or UNMATCHED_ROUTE,
        method if method in METHODS else "OTHER",
        status_class(status),
    )
    HTTP_REQUESTS.labels(*labels).inc()
    HTTP_DURATION.labels(*labels).observe(seconds)


def operation_label(name: str | None) -> str:
    return name if name in KNOWN_OPERATIONS else OTHER


def record_graphql(operation: str | None, outcome: str) -> None:
    GRAPHQL_OPERATIONS.labels(
        operation_label(operation), outcome if outcome in GRAPHQL_OUTCOMES else "unexpected"
    ).inc()


def record_database_unavailable() -> None:
    DATABASE_UNAVAILABLE.inc()


def set_build_info(version: str, database_url: str) -> None:
    database = "postgresql" if database_url.startswith(("postgres", "psql")) else "sqlite"
    BUILD_INFO.labels(version, platform.python_version(), database).set(1)
