"""The CLI skips loading a CA bundle for plain-http URLs; an https URL is still
verified: a service whose certificate no trusted CA signed is refused, and the
same service is reached once its CA is trusted (SSL_CERT_FILE, as httpx reads it)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli.user_cli import UserCli
from tests.tls_material import CertificateAuthority


class Viewer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"data": {"viewer": {"id": "VXNlcjox", "email": "tls@example.com"}}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_service(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An https GraphQL stand-in on 127.0.0.1 and the CA that signed its certificate."""
    authority = CertificateAuthority.create("CLI test CA")
    cert, key = authority.issue_server_certificate(tmp_path / "tls")
    (ca_file := tmp_path / "ca.pem").write_text(authority.pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Viewer)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca_file
    finally:
        server.shutdown()
        server.server_close()


def test_an_untrusted_certificate_is_refused(nodion: UserCli, tls_service):
    url, _ = tls_service
    result = nodion("whoami", NODION_URL=url, NODION_TOKEN="nat_x")
    assert result.code == 6, result.stderr  # unreachable, as the exit-code table says
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_ca_file_that_is_not_there_is_one_line(nodion: UserCli, tls_service):
    url, _ = tls_service
    result = nodion("whoami", NODION_URL=url, NODION_TOKEN="nat_x", SSL_CERT_FILE="/nowhere.pem")
    assert result.code == 1
    assert "SSL_CERT_FILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_trusted_certificate_is_accepted(nodion: UserCli, tls_service):
    url, ca_file = tls_service
    result = nodion("whoami", NODION_URL=url, NODION_TOKEN="nat_x", SSL_CERT_FILE=str(ca_file))
    assert result.code == 0, result.stderr
    assert "tls@example.com" in result.stdout
