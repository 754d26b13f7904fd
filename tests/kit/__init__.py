"""The test kit: everything the test files share (no test file imports another).

    kit.practice  practice directories written from Python data (write_practice, copy_example,
                  small_practice, daemon_practice, big_roster)
    kit.cli       the CLI in this process (run -> (code, out, err)) or as a process
    kit.state     database and file digests, a fresh database for a practice
    kit.servers   real SMTP and HTTP servers on 127.0.0.1 (pytest fixtures)
    kit.web       a real uvicorn server over a practice, logged-in httpx clients
    kit.daemon    the daemon as a subprocess, and waiting on its deliveries

tests/ is on sys.path (pytest's rootdir conftest, prepend import mode), so `from kit import x`
works from any test file.

`SLOW` is true under `pytest --slow` (conftest.py sets NERVECENTER_TEST_SLOW): the hardening
suites then try many more generated inputs and kill the daemon more often."""

from __future__ import annotations

import os

SLOW = os.environ.get("NERVECENTER_TEST_SLOW") == "1"


def examples(default: int, slow: int) -> int:
    return slow if SLOW else default
