"""Helpers of the hardening suites (tests/test_hardening_*.py): the example practice in a
temporary directory, the CLI run in this process or as a subprocess, and database digests.

`SLOW` is true under `pytest --slow` (conftest.py sets NERVECENTER_TEST_SLOW): the suites then try
many more generated inputs and kill the daemon more often."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

SLOW = os.environ.get("NERVECENTER_TEST_SLOW") == "1"
EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example"
NERVECENTER = Path(sys.executable).parent / "nervecenter"

# `file:line: message` (line >= 1) or `file: message` (the whole file)
PROBLEM_LINE = re.compile(r"^(?P<file>[^:\s][^:]*?)(?::(?P<line>\d+))?: (?P<message>\S.*)$")


def examples(default: int, slow: int) -> int:
    return slow if SLOW else default


def copy_example(target: Path) -> Path:
    """The packaged example practice, copied to `target` (without any state of earlier runs)."""
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".nervecenter", "__pycache__"))
    return target


def run_cli(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """`nervecenter ARGV` in this process through cli.main: (exit code, stdout, stderr).

    Anything but SystemExit propagates, so an unexpected exception fails the calling test."""
    from nervecenter.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env = os.environ.pop("NERVECENTER_DATABASE_URL", None)
    saved_cwd = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(argv))
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            else:
                code = 0
    finally:
        os.chdir(saved_cwd)
        if saved_env is not None:
            os.environ["NERVECENTER_DATABASE_URL"] = saved_env
    return code, out.getvalue(), err.getvalue()


def run_process(*argv: str, cwd: Path | None = None, env: dict | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess:
    """`nervecenter ARGV` as a real process of the installed console script."""
    full_env = {k: v for k, v in os.environ.items() if k != "NERVECENTER_DATABASE_URL"}
    full_env.update(env or {})
    return subprocess.run([str(NERVECENTER), *argv], check=False, cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def problems(stderr: str) -> list[re.Match]:
    """Each stderr line parsed as a problem; AssertionError on a line that is not one."""
    found = []
    for line in stderr.splitlines():
        assert "Traceback" not in line, stderr
        m = PROBLEM_LINE.match(line)
        assert m, f"not a `file:line: message` line: {line!r}\n{stderr}"
        found.append(m)
    assert found, "exit code 1 without a message"
    return found


def db_digest(path: Path) -> str:
    """SHA-256 of the SQLite database's content (a dump, which also reads the WAL), so that
    'nothing was written' can be checked even while another connection keeps the WAL."""
    conn = sqlite3.connect(path)
    try:
        text = "\n".join(conn.iterdump())
    finally:
        conn.close()
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(*paths: Path) -> str:
    """SHA-256 over the bytes of files (missing files count as empty)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()


def fresh_database(config_dir: Path) -> Path:
    """Create the practice's SQLite database at the newest revision and close it."""
    from nervecenter.service.workspace import open_workspace

    saved = os.environ.pop("NERVECENTER_DATABASE_URL", None)
    try:
        ws = open_workspace(config_dir)
        ws.store.engine.dispose()
    finally:
        if saved is not None:
            os.environ["NERVECENTER_DATABASE_URL"] = saved
    return config_dir / ".nervecenter" / "state.db"
