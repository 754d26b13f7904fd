"""The daemon as a real subprocess over a practice (kit.practice.daemon_practice), and waiting
on what it writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def start(root: Path, log: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "nervecenter", "daemon", "--config", str(root),
           "--poll-seconds", "0.2", "--standby-poll-seconds", "0.5", "--workers", "2", *extra]
    return subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def statuses(db: Path) -> list[tuple]:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            # the outbox's rows: a first-run summary's lines are never sent themselves
            return con.execute("SELECT recipient, status, sending_since FROM deliveries "
                               "WHERE status != 'summarized' ORDER BY id").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return []


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    """Signal `proc` and wait for it to end; killed when it has not within `timeout`."""
    proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def killed_while_sending(root: Path, log: Path, server, path: str) -> None:
    """Start the daemon with deliveries to `path` stalled and SIGKILL it once one has begun:
    its outbox then holds planned messages, one of them in flight."""
    server.stall(path)
    proc = start(root, log)
    try:
        wait_for(lambda: server.to(path), what="the stalled delivery to start")
    finally:
        stop(proc, signal.SIGKILL, 10)
