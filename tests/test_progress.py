"""The progress line of long commands: on a terminal it names each step as it starts and is
erased at the end; through a pipe (cron, logs, `--format json | jq`) nothing of it appears.

The commands run as real processes of the installed console script, their stderr a
pseudo-terminal (or a pipe), on copies of the example practice."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
from kit.cli import NERVECENTER, run_process
from kit.practice import copy_example

ERASE = "\r\x1b[K"


def _untimed(text: str) -> str:
    return re.sub(r"\(\d+\.\d s\)", "(s)", text)


def on_terminal(*argv: str, cwd: Path) -> tuple[int, str, str]:
    """(exit code, stdout, what the terminal on stderr received)."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NERVECENTER_DATABASE_URL"}
    proc = subprocess.Popen([str(NERVECENTER), *argv], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal's other end closed (Linux: EIO)
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    out = proc.stdout.read().decode()
    return proc.wait(timeout=120), out, seen.decode(errors="replace")


@pytest.fixture
def practice(tmp_path):
    return copy_example(tmp_path / "practice")


def test_a_run_shows_its_steps_on_a_terminal_and_nothing_through_a_pipe(practice, tmp_path):
    other = copy_example(tmp_path / "other")
    code, out, terminal = on_terminal("run", "--config", ".", "--once", "--on", "2026-12-01",
                                      cwd=practice)
    assert code == 0, terminal
    for step in ("evaluating and planning the alerts of 2026-12-01", "alerts to the outbox",
                 "messages sent"):
        assert step in terminal, terminal
    assert terminal.count(ERASE) >= 3
    assert terminal.endswith(ERASE), terminal  # erased: the screen shows what was printed
    assert "run as of 2026-12-01" in out
    piped = run_process("run", "--config", ".", "--once", "--on", "2026-12-01", cwd=other)
    assert piped.returncode == 0, piped.stderr
    assert "\x1b" not in piped.stderr and "\r" not in piped.stderr
    assert _untimed(piped.stdout) == _untimed(out)


def test_an_import_shows_its_steps_on_a_terminal_and_nothing_through_a_pipe(practice, tmp_path):
    other = copy_example(tmp_path / "other")
    code, out, terminal = on_terminal("import", "--config", ".", "people.yaml", cwd=practice)
    assert code == 0, terminal
    assert "reading people.yaml" in terminal and "comparing and writing" in terminal
    assert terminal.endswith(ERASE), terminal
    piped = run_process("import", "--config", ".", "people.yaml", cwd=other)
    assert piped.returncode == 0 and "\x1b" not in piped.stderr
    assert piped.stdout == out
