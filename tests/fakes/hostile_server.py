"""A real HTTP server on loopback that misbehaves on purpose: hangs, drips bytes, lies
about its length, loops redirects, answers with HTML, floods with data.

Each path gets a ``Behaviour``; unknown paths get the default one. A dripping or hanging
answer lasts until the client gives up or the server stops (``close`` ends them all)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass
class Behaviour:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    length: int | None = None  # the Content-Length declared (more than the body: a truncated answer)
    drip: float = 0.0  # seconds between single bytes of the body, sent forever
    drip_headers: float = 0.0  # the same, from the very first byte of the status line
    hang: bool = False  # accept, read the request, never answer
    times: int = -1  # answer like this this many times (-1: always), then as ``then`` or the default
    then: Behaviour | None = None


class HostileServer:
    def __init__(self) -> None:
        self.default = Behaviour(200, b"{}")
        self.paths: dict[str, Behaviour] = {}
        self.hits: dict[str, int] = {}
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                found = server.paths.get(path)
                if found is not None and found.times == 0:
                    found = None
                if found is not None and found.times > 0:
                    found.times -= 1
                    if found.times == 0 and found.then is not None:
                        server.paths[path] = found.then
                server.answer(self, found or server.default)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, handler: BaseHTTPRequestHandler, b: Behaviour) -> None:
        try:
            if b.hang:
                self.stopping.wait(120)
                return
            head = f"HTTP/1.1 {b.status} X\r\nContent-Type: {b.content_type}\r\n"
            if not b.drip and not b.drip_headers:
                head += f"Content-Length: {b.length if b.length is not None else len(b.body)}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in b.headers.items()) + "Connection: close\r\n\r\n"
            out = handler.wfile
            if b.drip_headers:
                self._drip(out, head.encode(), b.drip_headers)
                return
            out.write(head.encode())
            if b.drip:
                self._drip(out, b.body or b" " * 10_000_000, b.drip)
                return
            out.write(b.body)
            out.flush()
            if b.length is not None and b.length > len(b.body):  # cut the answer short
                handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:  # the client hung up, as it should on a hostile answer
            pass
        finally:
            handler.close_connection = True

    def _drip(self, out: object, data: bytes, every: float) -> None:
        for i in range(len(data)):
            if self.stopping.wait(every):
                return
            out.write(data[i : i + 1])  # type: ignore[attr-defined]
            out.flush()  # type: ignore[attr-defined]

    def serve(self, path: str, behaviour: Behaviour) -> None:
        self.paths[path] = behaviour

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    """A port on loopback nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
