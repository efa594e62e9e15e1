"""A client that goes away before its request is read is nobody's error: no
traceback, no "Unexpected error" in the log (wrk does this at the end of every
benchmark run, a flaky network all day)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import running_service


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_client_gone_mid_body_leaves_no_error_in_the_log(tmp_path, database_url):
    with running_service(tmp_path / "data", database_url) as service:
        address = urlsplit(service.url)
        assert address.hostname and address.port
        for _ in range(3):
            with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
                sock.sendall(
                    b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n" + b'{"query": "{ __typename'
                )
        # Still serving, and by now it has seen the three connections close.
        response = httpx.post(service.url + "/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 200
        log = service.stop_and_read_output()

    assert "Traceback" not in log
    assert "Unexpected error" not in log
    assert "ClientDisconnect" not in log
    assert log.count('"POST /graphql" 499') == 3  # the access log says what happened
