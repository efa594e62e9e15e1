"""The deploy targets' HTTP API under /deploy/v1/ (bearer: a target token).

POST /deploy/v1/deployments/claim          200 {deployment, dockerConfig} | 204
POST /deploy/v1/deployments/{id}/heartbeat 200 {leaseExpiresAt} | 409 lease lost
POST /deploy/v1/deployments/{id}/status    {"status": "SUCCEEDED"|"FAILED", "message"}

A claim holds a lease (NODION_DEPLOY_LEASE seconds): heartbeat before it runs
out, or the deployment goes back to be claimed again (app/applications/leases.py).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.accounts.service import bearer_token
from app.applications import targets
from app.applications.metrics import record_claim, record_transition
from app.applications.models import Deployment, DeploymentStatus, DeployTarget
from app.applications.targets import LateReport
from app.domain import Serving
from app.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.graphql.core.ids import encode_id, node_id_int
from app.metrics import record_database_unavailable
from app.outage import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_CODE,
    is_database_unavailable,
    unavailable_message,
)
from app.security.keys import ServiceKeys
from app.settings import Settings

MAX_BODY_BYTES = 4096
NO_STORE = {"Cache-Control": "no-store"}


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    body = {"error": {"code": code, "message": message, **extra}}
    headers = {"WWW-Authenticate": 'Bearer realm="nodion-deploy"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def deployment_json(deployment: Deployment) -> dict[str, Any]:
    application = deployment.application
    return {
        "id": encode_id("Deployment", deployment.id),
        "number": deployment.id,
        "application": {"id": encode_id("Application", application.id), "name": application.name},
        "region": deployment.region,
        "strategy": deployment.strategy.value,
        "imageReference": deployment.image_reference,
        "status": deployment.status.value,
        "claimedAt": deployment.claimed_at.isoformat() if deployment.claimed_at else None,
        "attempt": deployment.attempts,
        "leaseExpiresAt": (
            deployment.lease_expires_at.isoformat() if deployment.lease_expires_at else None
        ),
        "credentialExpiresAt": (
            deployment.credential_expires_at.isoformat()
            if deployment.credential_expires_at
            else None
        ),
    }


class DeployApi:
    def __init__(self, settings: Settings, keys: ServiceKeys) -> None:
        self.settings = settings
        self.keys = keys

    async def _target(self, request: Request) -> DeployTarget | None:
        token = bearer_token(request.headers.get("authorization"))
        return await targets.authenticate_target(token, self.keys.token_pepper)

    async def claim(self, request: Request) -> Response:
        target = await self._target(request)
        if target is None:
            return _unauthorized()
        try:
            claimed = await targets.claim(target, self.settings, self.keys)
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            record_claim("unavailable")
            record_database_unavailable()
            return _unavailable(error)
        if claimed is None:
            record_claim("empty")
            return Response(status_code=204, headers=NO_STORE)
        record_claim("granted")
        record_transition("claimed")
        return JSONResponse(
            {
                "deployment": deployment_json(claimed.deployment),
                "dockerConfig": claimed.docker_config,
            },
            headers=NO_STORE,
        )

    async def heartbeat(self, request: Request) -> Response:
        target = await self._target(request)
        if target is None:
            return _unauthorized()
        deployment_id = node_id_int(request.path_params["deployment_id"])
        if deployment_id is None:
            return _not_a_number()
        try:
            until = await targets.heartbeat(target, deployment_id, self.settings)
        except NotFound as error:
            return _error(404, "NOT_FOUND", error.message)
        except Conflict as error:
            return _error(409, "LEASE_LOST", error.message)
        return JSONResponse({"leaseExpiresAt": until.isoformat()}, headers=NO_STORE)

    async def status(self, request: Request) -> Response:
        target = await self._target(request)
        if target is None:
            return _unauthorized()
        deployment_id = node_id_int(request.path_params["deployment_id"])
        if deployment_id is None:
            return _not_a_number()
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _error(413, "TOO_LARGE", f"The body is at most {MAX_BODY_BYTES} bytes.")
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return _error(400, "BAD_REQUEST", 'Send JSON: {"status": "SUCCEEDED", "message": "…"}.')
        if not isinstance(document, dict):
            return _error(400, "BAD_REQUEST", 'Send a JSON object with "status".')
        status, message = document.get("status"), document.get("message")
        if status not in ("SUCCEEDED", "FAILED"):
            return _error(422, "VALIDATION", '"status" is SUCCEEDED or FAILED.', field="status")
        if message is not None and not isinstance(message, str):
            return _error(422, "VALIDATION", '"message" is a string.', field="message")
        try:
            deployment = await targets.report(
                target, deployment_id, DeploymentStatus(status), message
            )
        except NotFound as error:
            return _error(404, "NOT_FOUND", error.message)
        except LateReport as error:  # before Conflict, which it is a kind of
            record_transition("late_report")
            return _error(409, "LEASE_LOST", error.message)
        except Conflict as error:
            return _error(409, "CONFLICT", error.message)
        except ValidationFailed as error:
            return _error(422, "VALIDATION", error.message, field=error.field)
        except DomainError as error:  # pragma: no cover - every kind is mapped above
            return _error(400, "BAD_REQUEST", error.message)
        record_transition(deployment.status.value.lower())
        return JSONResponse({"deployment": deployment_json(deployment)}, headers=NO_STORE)

    def routes(self) -> list[Route]:
        return [
            Route("/deploy/v1/deployments/claim", self.claim, methods=["POST"]),
            Route(
                "/deploy/v1/deployments/{deployment_id}/heartbeat",
                self.heartbeat,
                methods=["POST"],
            ),
            Route("/deploy/v1/deployments/{deployment_id}/status", self.status, methods=["POST"]),
        ]


def _not_a_number() -> JSONResponse:
    # The claim's answer has both: a target that sent the global `id` was told
    # only that no such deployment was claimed.
    return _error(
        404,
        "NOT_FOUND",
        "The path takes the deployment's number (`number` in the claim's answer, e.g. "
        "/deploy/v1/deployments/42/heartbeat), not its `id`.",
    )


def _unauthorized() -> JSONResponse:
    return _error(401, "UNAUTHORIZED", "Send `Authorization: Bearer <deploy target token>`.")


def _unavailable(error: Exception) -> JSONResponse:
    """503: nothing was claimed, or (lost during COMMIT) outcome UNKNOWN: the
    claim may have happened, and if so its lease brings it back."""
    message, extensions = unavailable_message(error)
    extensions.pop("code", None)
    response = _error(503, UNAVAILABLE_CODE, message, **extensions)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def routes(serving: Serving) -> list[Route]:
    return DeployApi(serving.settings, serving.keys).routes()
