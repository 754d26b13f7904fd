"""Readers never wait for an evaluation: `Workspace.latest` answers with the newest finished one
while the next is computed once, in the background, and swaps it in when ready."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date

from nervecenter.service import actions
from nervecenter.service.workspace import Workspace

DAY = None  # today: a changed row is in force from the day it was imported
ROSTER = ("person,name,role,type,state,facility,issued,expires\n"
          "t-price,Jordan Price,technologist,bls,,,2025-11-20,2026-12-20\n")


def expiry(done) -> date:
    return next(c.expires for c in done.snapshot.credentials if c.id == "t-price:bls")


def test_a_reader_gets_the_last_evaluation_while_the_next_is_computed(store, practice):
    roster = practice.config_dir / "roster.csv"
    roster.write_text(ROSTER)
    ws = Workspace(practice=replace(practice, sources=(roster,)), store=store)
    first = ws.latest(DAY)
    assert expiry(first) == date(2026, 12, 20) and not first.updating
    assert ws.latest(DAY) is first  # nothing changed: the same one, nothing computed

    actions.renew(ws, "cli:dana", "t-price", "bls", issued=date(2026, 12, 1),
                  expires=date(2028, 12, 31))
    # An evaluation that takes long: the next one cannot finish while this thread holds the
    # workspace's evaluation lock, yet every reader is answered within its wait.
    with ws._lock:
        for _ in range(3):
            started = time.monotonic()
            stale = ws.latest(DAY, wait=0.2)
            assert time.monotonic() - started < 1.0
            assert stale.updating and stale.evaluation is first.evaluation
        assert [t.name for t in threading.enumerate()].count("nervecenter-evaluate") == 1
    deadline = time.monotonic() + 10
    while (fresh := ws.latest(DAY, wait=0.5)).updating and time.monotonic() < deadline:
        pass
    assert not fresh.updating and expiry(fresh) == date(2028, 12, 31)
    assert fresh.read_at >= first.read_at
    assert ws.latest(DAY) is fresh


def test_a_changed_source_is_picked_up_in_the_background(store, practice):
    roster = practice.config_dir / "roster.csv"
    roster.write_text(ROSTER)
    ws = Workspace(practice=replace(practice, sources=(roster,)), store=store)
    ws.latest(DAY)
    roster.write_text(ROSTER.replace("2026-12-20", "2027-06-30"))
    fresh = ws.latest(DAY, wait=10)  # a small practice: done well within the wait
    assert not fresh.updating and expiry(fresh) == date(2027, 6, 30)
