"""The CLI for tests: `run` in this process through cli.main, `run_process` as the installed
console script, and `problems` to parse its `file:line: message` errors."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

NERVECENTER = Path(sys.executable).parent / "nervecenter"

# `file:line: message` (line >= 1) or `file: message` (the whole file)
PROBLEM_LINE = re.compile(r"^(?P<file>[^:\s][^:]*?)(?::(?P<line>\d+))?: (?P<message>\S.*)$")


def run(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """`nervecenter ARGV` in this process through cli.main: (exit code, stdout, stderr).

    NERVECENTER_DATABASE_URL is unset for the call; anything but SystemExit propagates, so an
    unexpected exception fails the calling test."""
    from nervecenter.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env = os.environ.pop("NERVECENTER_DATABASE_URL", None)
    saved_cwd = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in argv])
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
    return subprocess.run([str(NERVECENTER), *argv], check=False, cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


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
