"""Small servers on loopback that are not registries, or that must never be reached.

Each records the connections it accepted, so a test can show that the guard
refused before any packet was sent."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

Reply = tuple[int, dict[str, str], bytes]
# reply(method, path, request headers with lower-case names)
Responder = Callable[[str, str, dict[str, str]], Reply]


@dataclass
class Listener:
    host: str
    port: int
    connections: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@asynccontextmanager
async def http_server(
    host: str, reply: Responder, tls: ssl.SSLContext | None
) -> AsyncIterator[Listener]:
    """An HTTP/1.1 server answering each request with `reply(method, path, headers)`."""
    listener = Listener(host, 0)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        listener.connections.append(str(writer.get_extra_info("peername")))
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").strip().split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            request_headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in header_lines)
            }
            status, headers, body = reply(method, path, request_headers)
            lines = [
                f"HTTP/1.1 {status} X",
                f"Content-Length: {len(body)}",
                "Connection: close",
                *(f"{k}: {v}" for k, v in headers.items()),
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host, 0, ssl=tls)
    listener.port = server.sockets[0].getsockname()[1]
    try:
        yield listener
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def silent_server(host: str = "127.0.0.1") -> AsyncIterator[Listener]:
    """Accepts TCP connections and never says a word (not even a TLS handshake)."""
    listener = Listener(host, 0)
    held: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        listener.connections.append(str(writer.get_extra_info("peername")))
        held.append(writer)

    server = await asyncio.start_server(handle, host, 0)
    listener.port = server.sockets[0].getsockname()[1]
    try:
        yield listener
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
