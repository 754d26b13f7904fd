"""The day's evaluation computed in a process of its own and put on the shelf, for a web process
that goes on serving the one before (service/latest.py starts it; nobody else needs to):

    NERVECENTER_DATABASE_URL=... python -m nervecenter.service.evaluator CONFIG_DIR [DAY]

Without DAY it reads the day from its input, once imported: the web process starts the next
one ahead, so a change's evaluation does not wait for an interpreter to start and import (about
1 s CPU). The configuration is read only once the day has come. An empty input: exit 0 at once.
Exit 0 once the practice's shelf holds it; otherwise 1 and one line on standard error.
"""

from __future__ import annotations

import sys
from datetime import date

from nervecenter.service.latest import compute
from nervecenter.service.workspace import open_workspace


def main(argv: list[str] | None = None) -> int:
    config_dir, *day = argv if argv is not None else sys.argv[1:]
    day = day[0] if day else sys.stdin.readline().strip()
    if not day:
        return 0
    try:
        ws = open_workspace(config_dir)
        with ws._latest.claimed():  # the web process that started it holds the shelf's lock
            compute(ws, date.fromisoformat(day))  # shelved by the workspace
    except Exception as e:  # noqa: BLE001 - the web process computes it itself; this says why
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
