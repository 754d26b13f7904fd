"""`nervecenter serve --workers 2`: two processes behind one port, one session valid on both,
and a change made elsewhere (a renewal through the CLI) evaluated once, by one of them (in a
process of its own), and seen by every worker within seconds."""

from __future__ import annotations

import re
import subprocess
import time

import httpx
from kit import web
from kit.cli import NERVECENTER as NERVECENTER_SCRIPT
from kit.cli import run_process

NERVECENTER = [str(NERVECENTER_SCRIPT)]


def nc(config, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    if stdin is None:
        return run_process(*args, "--config", str(config))
    return subprocess.run([*NERVECENTER, *args, "--config", str(config)], check=False,
                          input=stdin, capture_output=True, text=True, timeout=60)


def bls_expiry(page: str) -> str:
    """The expiry on the BLS card of the person page."""
    card = page[page.index('id="t-price:bls">'):]
    return re.search(r"<dt>Expires</dt><dd>([0-9-]+)</dd>", card[:card.index("</li>")])[1]


def test_two_workers_share_sessions_and_one_evaluation_per_change(tmp_path):
    config = web.example_practice(tmp_path)
    assert nc(config, "users", "add", "dana", "--role", "manager",
              stdin=web.PASSWORD + "\n").returncode == 0
    apart = {"NERVECENTER_EVALUATE_APART_ABOVE": "0"}  # as a large practice: its own process
    with web.serve(config, "--workers", "2", "--on", "2026-12-01", env=apart,
                   stderr=subprocess.PIPE) as (url, serve):
        workers = subprocess.run(["ps", "--ppid", str(serve.pid), "-o", "args="],
                                 check=False, capture_output=True, text=True).stdout
        assert workers.count("multiprocessing") >= 2 or workers.count("spawn") >= 2, workers
        with httpx.Client(base_url=url, timeout=30) as c:
            token = web.csrf_of(c.get("/login").text)
            r = c.post("/login", data={"username": "dana", "password": web.PASSWORD,
                                       "csrf_token": token})
            assert r.status_code == 303
            pages = [c.get("/people/t-price") for _ in range(20)]  # on either worker
            assert [p.status_code for p in pages] == [200] * 20
            before = bls_expiry(pages[0].text)
            renewed = nc(config, "renew", "t-price", "bls", "--issued", "2026-12-01",
                         "--expires", "2028-12-31")
            assert renewed.returncode == 0, renewed.stderr
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                seen = {bls_expiry(c.get("/people/t-price").text) for _ in range(10)}
                if seen == {"2028-12-31"}:
                    break
                time.sleep(0.2)
            assert before != "2028-12-31" and seen == {"2028-12-31"}
    log = serve.stderr.read()
    evaluated = re.findall(r"evaluated 2026-12-01 at data version \d+ .*pid (\d+)", log)
    # the first request's (in a worker), then the renewal's (in a process a worker started)
    assert len(evaluated) == 2, log
    assert evaluated[0] != evaluated[1]


def test_a_logout_or_a_revoked_token_counts_at_once_in_every_process(tmp_path):
    """Every request reads its user from the database (store/users.py, db.Read), in whichever
    process answers it: a session ended through one server, a token revoked through the CLI,
    a user removed, are refused by another server at its next request."""
    config = web.example_practice(tmp_path)
    for name in ("dana", "eve"):
        assert nc(config, "users", "add", name, "--role", "manager",
                  stdin=web.PASSWORD + "\n").returncode == 0
    token = nc(config, "users", "token", "eve").stdout.strip().split()[-1]
    with web.serve(config, "--on", "2026-12-01") as (one, _), \
            web.serve(config, "--on", "2026-12-01") as (other, _):
        with httpx.Client(base_url=one, timeout=30) as a:
            r = a.post("/login", data={"username": "dana", "password": web.PASSWORD,
                                       "csrf_token": web.csrf_of(a.get("/login").text)})
            assert r.status_code == 303
            b = httpx.Client(base_url=other, timeout=30, cookies=dict(a.cookies))
            api = httpx.Client(base_url=other, timeout=30,
                               headers={"Authorization": f"Bearer {token}"})
            with b, api:
                assert b.get("/").status_code == 200  # the same session on the other server
                assert api.get("/api/people?limit=1").status_code == 200
                assert a.post("/logout", data={"csrf_token": web.csrf_of(
                    a.get("/").text)}).status_code == 303
                assert b.get("/").status_code == 303  # the copy on the other server: ended
                assert b.get("/api/people").status_code == 401
                revoked = nc(config, "users", "token", "eve", "--revoke")
                assert revoked.returncode == 0, revoked.stderr
                assert api.get("/api/people?limit=1").status_code == 401
        token = nc(config, "users", "token", "eve").stdout.strip().split()[-1]
        with httpx.Client(base_url=other, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as api:
            assert api.get("/api/people?limit=1").status_code == 200
            assert nc(config, "users", "remove", "eve").returncode == 0
            assert api.get("/api/people?limit=1").status_code == 401
