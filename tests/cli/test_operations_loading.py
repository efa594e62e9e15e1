"""The CLI sends the operations in app/operations/ without paying for a GraphQL
library: reading a document is reading a file."""

from __future__ import annotations

import subprocess
import sys

from tests.servers import free_port

SEND_ONE = """
import sys
from app.cli.client import Api
from app.cli.config import Connection
from app.cli.errors import CliError
import app.cli.main

try:
    Api(Connection("http://127.0.0.1:{port}", "nat_unused")).execute("Viewer")
except CliError as error:
    print(error, file=sys.stderr)
heavy = {{"graphql", "strawberry", "starlette", "tortoise"}}
print(sorted(heavy & {{name.split(".")[0] for name in sys.modules}}))
"""


def test_sending_an_operation_imports_no_graphql_library():
    done = subprocess.run(
        [sys.executable, "-c", SEND_ONE.format(port=free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert "cannot reach the Nodion API" in done.stderr  # the document was read and sent
    assert done.stdout.strip() == "[]"
