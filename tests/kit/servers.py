"""Real servers on 127.0.0.1 for tests: an SMTP server (aiosmtpd) and an HTTP server that can
answer errors or stall. Use them as fixtures:

    from kit import servers
    smtp_server, http_server = servers.smtp_server, servers.http_server  # pytest fixtures

    def test_x(smtp_server, http_server):
        url = smtp_server.url("tech@example.org")           # an Apprise mailto:// URL
        hook = http_server.url("/sms")                       # an Apprise json:// URL
        http_server.script("/sms", [500, 200])               # first answer 500, then 200
        http_server.stall("/slow")                           # hold requests until release()
        http_server.max_lengths["/sms"] = 1600               # refuse longer messages (413)
        ... smtp_server.messages -> [email.message.Message], http_server.requests -> [Request]
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- SMTP


class SMTPServer:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self.envelopes: list = []
        self.port = free_port()
        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                server.envelopes.append(envelope)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def url(self, to: str, sender: str = "nervecenter@example.org") -> str:
        return f"mailto://nervecenter@127.0.0.1:{self.port}?from={sender}&to={to}"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content or e.content,
                                         policy=email.policy.default) for e in self.envelopes]

    def recipients(self) -> list[list[str]]:
        return [list(e.rcpt_tos) for e in self.envelopes]


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


# ---------------------------------------------------------------- HTTP


@dataclass
class Request:
    path: str
    body: dict
    time: float


class HTTPServer:
    """Records every POST; per path, a script of status codes to answer, or a stall."""

    def __init__(self):
        self.requests: list[Request] = []
        self.scripts: dict[str, list[int]] = {}
        self.stalled: set[str] = set()
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds each answer takes
        self.max_lengths: dict[str, int] = {}  # path -> the longest `message` taken (else 413)
        self.in_flight = self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                path = self.path.split("?")[0]
                with server.lock:
                    server.requests.append(Request(path, body, time.monotonic()))
                    script = server.scripts.get(path)
                    status = script.pop(0) if script else 200
                    if len(body.get("message", "")) > server.max_lengths.get(path, 1 << 62):
                        status = 413
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                if path in server.stalled:
                    server.released.wait(120)
                time.sleep(server.delay)
                with server.lock:
                    server.in_flight -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]

    def url(self, path: str, user: str | None = None, password: str | None = None) -> str:
        auth = f"{user}:{password}@" if user else ""
        return f"json://{auth}127.0.0.1:{self.port}{path}"

    def script(self, path: str, statuses: list[int]) -> None:
        """Answer the next requests to `path` with these statuses (then 200)."""
        with self.lock:
            self.scripts[path] = list(statuses)

    def stall(self, path: str) -> None:
        """Hold every request to `path` without answering until release()."""
        self.stalled.add(path)

    def release(self) -> None:
        self.released.set()

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def http_server():
    server = HTTPServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release()
        server.httpd.shutdown()
        server.httpd.server_close()
