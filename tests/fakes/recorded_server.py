"""A real HTTP server on loopback that serves whatever a test queues up."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a hanging server)


class RecordedServer:
    """Answers every GET with the current reply (or the next queued one) and logs requests."""

    def __init__(self) -> None:
        self.reply = Reply(b"{}")
        self.queue: list[Reply] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.robots: bytes | None = None  # served at /robots.txt; None answers 404
        self.routes: dict[str, Reply] = {}  # a path answered with its own reply, before the queue
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    body = server.robots or b""
                    self.send_response(200 if server.robots is not None else 404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                server.requests.append((self.path, dict(self.headers)))
                if self.path in server.routes:
                    reply = server.routes[self.path]
                else:
                    reply = server.queue.pop(0) if server.queue else server.reply
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, body: bytes, **kwargs: object) -> None:
        self.reply = Reply(body, **kwargs)  # type: ignore[arg-type]


@contextmanager
def recorded_server() -> Iterator[RecordedServer]:
    server = RecordedServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
