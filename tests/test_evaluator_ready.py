"""A web process keeps the next change's evaluator started ahead (its interpreter up, its
modules imported), and the change is evaluated there; it exits with the web process."""

from __future__ import annotations

import time
from datetime import date

from kit.practice import example_practice

from nervecenter.service import actions
from nervecenter.service.latest import APART_ENV
from nervecenter.service.sharing import Shelf
from nervecenter.service.workspace import open_workspace

DAY = date(2026, 12, 1)


def until(check, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return found


def test_a_change_is_evaluated_by_the_evaluator_started_ahead(tmp_path, monkeypatch):
    monkeypatch.setenv(APART_ENV, "0")  # as a large practice: every change in its own process
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    ws = open_workspace(example_practice(tmp_path))
    shelf = Shelf(ws.data_dir)
    try:
        first = ws.latest(DAY)  # computed here: nothing to show meanwhile
        readies = []
        for expires in (date(2028, 12, 31), date(2029, 12, 31)):
            ready = until(lambda: ws._latest._standby)  # started with the first evaluation shown
            readies.append(ready)
            actions.renew(ws, "cli:dana", "t-price", "bls", issued=DAY, expires=expires)
            ws.changed()
            done = until(lambda before=first: (d := ws.latest(DAY)).version > before.version
                         and not d.updating and d)
            assert done.snapshot is not first.snapshot
            assert shelf.label(DAY)["pid"] == ready.pid  # evaluated by the one started ahead
            first = done
        assert readies[0].wait(10) == 0 and readies[0] is not readies[1]
        ready = ws._latest._standby
        assert ready.poll() is None  # waiting for the next change
    finally:
        ws.close()
    # its input ended with the web process: it left (killed if still importing after 5 s)
    assert ready.poll() is not None
