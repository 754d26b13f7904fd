"""The first request of the day is answered from the shelf: the day's `run` (or the daemon's)
evaluated the same question and left it there, so `nervecenter serve` started after it loads it
and computes nothing (the shelf's file is still checked: signed, and of the same classes)."""

from __future__ import annotations

import subprocess
import time

import httpx
from kit import web
from kit.cli import NERVECENTER as NERVECENTER_SCRIPT
from kit.cli import run_process
from test_web_workers import bls_expiry

DAY = "2026-12-01"


def test_the_first_request_after_the_days_run_computes_nothing(tmp_path):
    config = web.example_practice(tmp_path)
    ran = run_process("run", "--once", "--on", DAY, "--config", str(config))
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.count("evaluated") == 0  # the run's output is as before
    assert list(config.rglob(f"evaluations/{DAY}.pickle"))  # on the shelf
    ran = subprocess.run([str(NERVECENTER_SCRIPT), "users", "add", "dana", "--role", "manager",
                          "--config", str(config)], input=web.PASSWORD + "\n", check=False,
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    with (web.serve(config, "--on", DAY, stderr=subprocess.PIPE) as (url, serve),
          httpx.Client(base_url=url, timeout=30) as c):
        token = web.csrf_of(c.get("/login").text)
        assert c.post("/login", data={"username": "dana", "password": web.PASSWORD,
                                      "csrf_token": token}).status_code == 303
        page = c.get("/people/t-price")
        assert page.status_code == 200 and "a newer evaluation" not in page.text
        assert bls_expiry(page.text)
        time.sleep(1.5)  # the watcher's looks: the loaded one is current, nothing to do
        assert c.get("/cases").status_code == 200
    log = serve.stderr.read()
    assert "evaluated 2026-12-01 at data version" not in log, log
