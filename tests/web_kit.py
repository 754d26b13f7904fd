"""Helpers of the web tests: a real uvicorn server on a free port over a practice directory,
users made through the real users table, and an httpx client that logs in through the form."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example"
DAY = date(2026, 12, 1)  # "today" for every web test: the example practice is set in December 2026
PASSWORD = "correct horse battery"

# A practice small enough to work out by hand (see test_web_pages.py for the arithmetic).
SMALL = {
    "practice.yaml": """\
name: Small Practice
timezone: America/Chicago
managers:
  - {id: dana, name: Dana Lee, notify: ["file://.nervecenter/outbox/dana.jsonl"]}
sources: [people.yaml, cases.csv]
""",
    "facilities/ochsner-main.yaml": """\
id: ochsner-main
name: Ochsner Medical Center
state: LA
requirements:
  - {credential: bls, max_age_months: 12}
  - any_of: [cnim, d_abnm]
  - {credential: state_license, role: reader, valid_days_after_case: 30}
""",
    "facilities/tulane.yaml": """\
id: tulane
name: Tulane Medical Center
state: LA
enforcement: warn
requirements:
  - credential: bls
""",
    "people.yaml": """\
people:
  - id: t-price
    name: Jordan Price
    role: technologist
    notify: ["file://.nervecenter/outbox/t-price.jsonl"]
    credentials:
      - {type: cnim, number: CNIM-12345, issuer: ABRET, issued: 2023-06-01, expires: 2028-12-31}
      - {type: bls, issuer: AHA, issued: 2025-11-20, expires: 2027-11-30}
    ce:
      - {credential: cnim, date: 2024-03-01, hours: 6, category: conference, provider: ASET}
      - {credential: cnim, date: 2025-03-01, hours: 30, category: article, provider: ASET}
  - id: t-mallory
    name: "<script>alert('owned')</script> Mallory"
    role: technologist
    credentials:
      - {type: cnim, issued: 2023-06-01, expires: 2026-12-31}
      - {type: bls, issued: 2024-11-01, expires: 2026-11-30}
  - id: r-adams
    name: Robin Adams
    role: reader
    credentials:
      - {type: d_abnm, issued: 2020-01-01, expires: 2030-01-01}
      - {type: state_license, state: LA, number: LA-77, issued: 2024-12-20, expires: 2026-12-20}
""",
    "cases.csv": """\
id,facility,start,end,procedure,technologist,reader
C-1,ochsner-main,2026-12-03T08:00,2026-12-03T12:00,spine,t-mallory,r-adams
C-2,tulane,2026-12-04T08:00,,spine,t-price,
C-3,ochsner-main,2026-12-05T08:00,,spine,,
""",
}


def small_practice(directory: Path) -> Path:
    for name, text in SMALL.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def example_practice(directory: Path) -> Path:
    """A copy of the example practice, without any database a developer run left behind."""
    target = directory / "example"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".nervecenter"))
    return target


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


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def chromium_args() -> list[str]:
    return ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
