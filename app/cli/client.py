"""The user commands' only way to the service: GraphQL over HTTP, as the
dashboard does it. No database access, no settings of the service."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from app.cli.config import Connection
from app.cli.errors import CliError, ExitCode
from app.cli.hints import program
from app.cli.wording import in_cli_words, option_for
from app.operations import document

# httpx is imported by the first request, not with this module: every command
# registers through it, and `nodion --help` or a usage error sends nothing.
if TYPE_CHECKING:
    import httpx

TIMEOUT_SECONDS = 60  # registry checks alone may take the service 10 s

# The typed errors of mutation results, by the exit code a script sees.
EXIT_CODES = {
    "NotFoundError": ExitCode.NOT_FOUND,
    "PermissionDeniedError": ExitCode.FORBIDDEN,
}


def _tls_for(url: str) -> ssl.SSLContext | bool:
    """httpx loads its whole CA bundle for every client, https or not (a large part
    of a short command's time). A plain-http URL needs no CA: it gets a context
    that still verifies but trusts nothing, so if anything did speak TLS (a proxy,
    say), it would fail closed. An https URL is verified as httpx always does."""
    if url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, hostname checked
    return True


class Api:
    def __init__(self, connection: Connection) -> None:
        self.url = connection.url
        self._token = connection.token

    def execute(self, operation: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of the named operation (app/operations/<operation>.graphql);
        any failure becomes a CliError with its exit code."""
        if not self._token:
            raise CliError(
                f"no API token: run `{program()} login --url {self.url}` or set NODION_TOKEN",
                ExitCode.AUTH,
            )
        import httpx

        try:
            response = httpx.post(
                f"{self.url}/graphql",
                json={"query": document(operation), "variables": variables or {}},
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=TIMEOUT_SECONDS,
                verify=_tls_for(self.url),
            )
        except httpx.TimeoutException:
            raise CliError(
                f"the Nodion API at {self.url} did not answer within {TIMEOUT_SECONDS} s",
                ExitCode.UNREACHABLE,
            ) from None
        except httpx.TransportError as error:
            raise CliError(
                f"cannot reach the Nodion API at {self.url} ({error}); is the service running "
                "and is the URL right? (NODION_URL, or log in again with --url)",
                ExitCode.UNREACHABLE,
            ) from None
        except OSError as error:  # before any connection: e.g. SSL_CERT_FILE names no file
            raise CliError(
                f"cannot set up TLS for {self.url} ({error.strerror or error}); "
                "check SSL_CERT_FILE and SSL_CERT_DIR",
                ExitCode.ERROR,
            ) from None
        return self._data(response)

    def _data(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise CliError(
                f"{self.url} did not answer like a Nodion API (HTTP {response.status_code} "
                f"at {response.url.path}); check the URL",
                ExitCode.UNREACHABLE if response.status_code >= 500 else ExitCode.ERROR,
            )
        errors = body.get("errors") or []
        if errors:
            codes = {(error.get("extensions") or {}).get("code") for error in errors}
            message = "; ".join(str(error.get("message")) for error in errors)
            if "UNAUTHENTICATED" in codes:
                raise CliError(message, ExitCode.AUTH)
            if response.status_code == 503 or "SERVICE_UNAVAILABLE" in codes:
                raise CliError(message, ExitCode.UNREACHABLE)
            raise CliError(message)
        if not isinstance(body.get("data"), dict):
            raise CliError(f"{self.url} answered HTTP {response.status_code} without data")
        data: dict[str, Any] = body["data"]
        return data


def unwrap(
    result: dict[str, Any], success: str, *, arguments: dict[str, str] | None = None
) -> dict[str, Any]:
    """The success member of a mutation's result union, or a CliError carrying
    the API's typed message in the CLI's words (and the option to fix, for a
    ValidationError; `arguments`: fields the command takes as arguments)."""
    typename = result.get("__typename")
    if typename == success:
        return {field: value for field, value in result.items() if field != "__typename"}
    message = in_cli_words(str(result.get("message") or f"unexpected answer {typename}"))
    if field := result.get("field"):
        message = f"{message} (fix: {option_for(str(field), arguments)})"
    raise CliError(message, EXIT_CODES.get(str(typename), ExitCode.REFUSED))
