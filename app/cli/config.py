"""Where `nodion login` keeps the API URL and token: the user's config file.

`$XDG_CONFIG_HOME/nodion/config.json` (default `~/.config/nodion/`), the folder
0700 and the file 0600, because the file holds an API token. `NODION_URL` and
`NODION_TOKEN` override what the file says (for CI jobs)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from app.cli.errors import CliError, ExitCode
from app.cli.hints import program

URL_VARIABLE = "NODION_URL"
TOKEN_VARIABLE = "NODION_TOKEN"  # noqa: S105 - the variable's name, not a token
DEFAULT_URL = "http://127.0.0.1:8000"  # where `scripts/serve.sh` listens


@dataclass(frozen=True)
class Connection:
    url: str
    token: str | None = field(repr=False)


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "nodion" / "config.json"


def read_file() -> dict[str, str]:
    path = config_path()
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read {path}: {error}; remove it and log in again") from None
    return {key: value for key, value in stored.items() if isinstance(value, str)}


def save(url: str, token: str) -> Path:
    """Replace the file atomically; it is never readable by others, not even briefly."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    partial = path.with_suffix(".tmp")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": url, "token": token}, handle)
        handle.write("\n")
    partial.replace(path)
    return path


def remove() -> Path | None:
    path = config_path()
    if not path.exists():
        return None
    path.unlink()
    return path


def normalize_url(url: str) -> str:
    """The service's base URL; `…/graphql` and a trailing slash are accepted too."""
    url = url.strip().rstrip("/").removesuffix("/graphql")
    if not url.startswith(("http://", "https://")):
        raise CliError(
            f"the URL must start with http:// or https://, e.g. http://127.0.0.1:8000 "
            f"(got {url!r})",
            ExitCode.USAGE,
        )
    return url


def current() -> Connection:
    """The URL and token to use: the environment first, then the config file."""
    stored = read_file()
    url = os.environ.get(URL_VARIABLE) or stored.get("url")
    if not url:
        raise CliError(
            f"not logged in: run `{program()} login --url {DEFAULT_URL}` (your service's URL) "
            "(or set NODION_URL and NODION_TOKEN)",
            ExitCode.AUTH,
        )
    token = os.environ.get(TOKEN_VARIABLE) or stored.get("token")
    return Connection(normalize_url(url), token.strip() if token else None)
