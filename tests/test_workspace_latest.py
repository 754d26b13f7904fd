"""Readers never wait for an evaluation: `Workspace.latest` answers at once with the newest
finished one while the next is computed once per practice (whichever process takes the shelf's
lock), and swaps it in when ready; the others load it from the shelf."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from datetime import date

import pytest

from nervecenter.service import actions
from nervecenter.service.sharing import Shelf
from nervecenter.service.workspace import Workspace

DAY = None  # today: a changed row is in force from the day it was imported
ROSTER = ("person,name,role,type,state,facility,issued,expires\n"
          "t-price,Jordan Price,technologist,bls,,,2025-11-20,2026-12-20\n")


def expiry(done) -> date:
    return next(c.expires for c in done.snapshot.credentials if c.id == "t-price:bls")


def until(ask, done, seconds: float = 20):
    """Ask again until `done(answer)` (the watcher looks twice a second), or fail."""
    deadline = time.monotonic() + seconds
    while not done(answer := ask()):
        assert time.monotonic() < deadline, answer
        time.sleep(0.05)
    return answer


def evaluations(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "nervecenter.evaluation" and " at data version " in r.getMessage()]


@pytest.fixture
def workspace(store, practice):
    roster = practice.config_dir / "roster.csv"
    roster.write_text(ROSTER)
    ws = Workspace(practice=replace(practice, sources=(roster,)), store=store)
    yield ws
    ws.close()


def test_a_reader_is_answered_at_once_while_another_process_evaluates(workspace, caplog):
    caplog.set_level(logging.INFO, "nervecenter.evaluation")
    first = workspace.latest(DAY)
    assert expiry(first) == date(2026, 12, 20) and not first.updating
    assert workspace.latest(DAY) is first  # nothing changed: the same one, nothing computed

    actions.renew(workspace, "cli:dana", "t-price", "bls", issued=date(2026, 12, 1),
                  expires=date(2028, 12, 31))
    # Another process holds the shelf's lock (it is computing): this one never waits for it,
    # and answers with what it has, marked as being renewed.
    with Shelf(workspace.data_dir).computing() as mine:
        assert mine
        stale = until(lambda: workspace.latest(DAY), lambda d: d.updating)
        for _ in range(20):
            started = time.monotonic()
            again = workspace.latest(DAY)
            assert time.monotonic() - started < 0.5
            assert again.updating and again.evaluation is first.evaluation
        assert stale.evaluation is first.evaluation
    fresh = until(lambda: workspace.latest(DAY), lambda d: not d.updating)
    assert expiry(fresh) == date(2028, 12, 31)
    assert fresh.read_at >= first.read_at and fresh.version > first.version
    assert len(evaluations(caplog)) == 2  # the first and the one after the renewal


def test_a_changed_source_is_picked_up_in_the_background(workspace):
    workspace.latest(DAY)
    roster = workspace.practice.sources[0]
    roster.write_text(ROSTER.replace("2026-12-20", "2027-06-30"))
    fresh = until(lambda: workspace.latest(DAY), lambda d: expiry(d) == date(2027, 6, 30))
    assert not fresh.updating


def test_one_evaluation_per_change_for_every_process_of_the_practice(workspace, caplog):
    """Two workspaces over the same database and data directory, as two web processes are:
    one evaluates, the other loads its result from the shelf."""
    caplog.set_level(logging.INFO, "nervecenter.evaluation")
    other = Workspace(practice=workspace.practice, store=workspace.store)
    try:
        a = workspace.latest(DAY)
        b = other.latest(DAY)
        assert (a.version, expiry(a)) == (b.version, expiry(b))
        assert a.evaluation is not b.evaluation  # b's came from the shelf, not from a's memory
        assert workspace._latest.computed + other._latest.computed == 1

        actions.renew(workspace, "cli:dana", "t-price", "bls", issued=date(2026, 12, 1),
                      expires=date(2029, 1, 31))
        for ws in (workspace, other):
            until(lambda ws=ws: ws.latest(DAY), lambda d: expiry(d) == date(2029, 1, 31))
        assert workspace._latest.computed + other._latest.computed == 2
        assert len(evaluations(caplog)) == 2
    finally:
        other.close()


def test_ones_own_change_is_waited_for_briefly_then_shown(workspace):
    first = workspace.latest(DAY)
    actions.renew(workspace, "web:dana", "t-price", "bls", issued=date(2026, 12, 1),
                  expires=date(2028, 6, 30))
    version = workspace.store.data_version()
    workspace.changed()
    seen = workspace.latest(DAY, version=version, wait=10)  # a small practice: well within
    assert seen.version >= version and expiry(seen) == date(2028, 6, 30)
    assert seen.evaluation is not first.evaluation


def test_a_shelf_file_not_signed_with_the_practices_key_is_never_loaded(workspace, caplog):
    caplog.set_level(logging.INFO, "nervecenter.evaluation")
    workspace.latest(DAY)
    shelf = Shelf(workspace.data_dir)
    path = next(shelf.dir.glob("*.pickle"))
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF  # one byte of the pickled body changed
    path.write_bytes(bytes(data))
    assert shelf.get(date.fromisoformat(path.stem)) is None
    other = Workspace(practice=workspace.practice, store=workspace.store)
    try:
        assert expiry(other.latest(DAY)) == date(2026, 12, 20)  # computed anew, not loaded
        assert other._latest.computed == 1
        assert any("refused" in r.getMessage() for r in caplog.records)
    finally:
        other.close()
    assert oct(os.stat(workspace.data_dir / "evaluation-key").st_mode & 0o777) == "0o600"


def test_a_shared_evaluation_of_another_version_of_the_code_is_computed_anew(workspace):
    done = workspace.latest(DAY)
    shelf = Shelf(workspace.data_dir)
    day = done.evaluation.as_of
    shelf.put(day, {**shelf.label(day), "shape": "of other classes"},
              (done.snapshot, done.evaluation))  # signed: only the shape differs
    other = Workspace(practice=workspace.practice, store=workspace.store)
    try:
        assert expiry(other.latest(DAY)) == date(2026, 12, 20)
        assert other._latest.computed == 1
    finally:
        other.close()


def test_the_days_run_leaves_its_evaluation_on_the_shelf(workspace):
    """A command that asks the day's whole question (`run`, the daemon) shelves its answer:
    a web process started afterwards loads it. A narrower question, or one without the
    sources synced (a dry run), leaves nothing."""
    shelf = Shelf(workspace.data_dir)
    day = workspace.today(DAY)
    workspace.evaluate(DAY, due=False, conflicts=False)
    workspace.evaluate(DAY, sync=False)
    assert shelf.stamp(day) is None
    ran = workspace.evaluate(DAY)  # what a run asks (the sources synced first)
    assert shelf.stamp(day) is not None
    other = Workspace(practice=workspace.practice, store=workspace.store)
    try:
        done = other.latest(DAY)
        assert other._latest.computed == 0 and not done.updating
        assert done.evaluation == ran and expiry(done) == date(2026, 12, 20)
    finally:
        other.close()
