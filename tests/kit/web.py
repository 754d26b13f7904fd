"""Helpers of the web tests: a real uvicorn server on a free port over a practice directory,
users made through the real users table, and an httpx client that logs in through the form."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

# the practices the web tests start from (small_practice: the arithmetic is in test_web_pages.py)
from kit.practice import example_practice, small_practice  # noqa: F401

DAY = date(2026, 12, 1)  # "today" for every web test: the example practice is set in December 2026
PASSWORD = "correct horse battery"

@dataclass
class Server:
    url: str
    app: object
    config_dir: Path
    _server: object
    _thread: threading.Thread

    @property
    def workspace(self):
        return self.app.state.workspace

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, **kwargs)

    def login(self, name: str, password: str = PASSWORD) -> httpx.Client:
        c = self.client()
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": name, "password": password, "csrf_token": token})
        assert r.status_code == 303, r.text
        return c

    def stop(self):
        self._server.should_exit = True
        self._thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(config_dir: Path, users: dict[str, tuple[str, str | None]], on: date = DAY,
          database_url: str | None = None) -> Server:
    """uvicorn in a thread on 127.0.0.1:<free port>; `users` maps name -> (role, person)."""
    import uvicorn

    from nervecenter.web.app import create_app

    app = create_app(config_dir, on=on, database_url=database_url)
    app.state.workspace.sync_sources()
    for name, (role, person) in users.items():
        app.state.users.add(name, role, PASSWORD, person=person)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    return Server(f"http://127.0.0.1:{port}", app, config_dir, server, thread)


@contextlib.contextmanager
def serve(config_dir: Path, *options: str, env: dict | None = None, stderr=None):
    """`nervecenter serve OPTIONS` over `config_dir` in a process of its own (the environment's
    database URL left out), stopped by SIGINT on leaving; yields (url, process) once /login
    answers. `stderr=subprocess.PIPE` keeps its log for the test to read after."""
    import os
    import signal
    import subprocess

    from kit.cli import NERVECENTER
    from kit.daemon import stop

    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "NERVECENTER_DATABASE_URL"},
           **(env or {})}
    process = subprocess.Popen([str(NERVECENTER), "serve", "--config", str(config_dir),
                                "--port", str(port), *options], env=env,
                               stdout=subprocess.DEVNULL, stderr=stderr or subprocess.DEVNULL,
                               text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "serve did not start"
            time.sleep(0.2)
        yield url, process
    finally:
        stop(process, signal.SIGINT)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


CHROMIUM = Path("/usr/bin/chromium")


@contextlib.contextmanager
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=chromium_args())
        try:
            yield browser
        finally:
            browser.close()


def chromium_args() -> list[str]:
    return ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
