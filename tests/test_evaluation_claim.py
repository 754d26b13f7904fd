"""One evaluation per change in the whole practice: a command's or the daemon's evaluation of
the day takes the same claim (the shelf's lock) as a web process computing one, so while one
computes the other waits, then takes its result from the shelf instead of computing it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from kit.practice import example_practice

from nervecenter.service import actions
from nervecenter.service.latest import compute
from nervecenter.service.sharing import Shelf
from nervecenter.service.workspace import open_workspace

DAY = date(2026, 12, 1)
# the daemon's evaluation of the day (runner.run asks the workspace the same), counting the
# engine's evaluations of the day's whole question
DAEMON = """
import json, sys
from datetime import date
from nervecenter.service import workspace
engine, whole = workspace.evaluate, []
def counted(*args, **kwargs):
    whole.append(kwargs.get("start") is None and kwargs.get("due", True))
    return engine(*args, **kwargs)
workspace.evaluate = counted
ws = workspace.open_workspace(sys.argv[1])
ws.evaluate(date(2026, 12, 1))
print(json.dumps({"evaluated": sum(whole), "version": ws.store.data_version()}))
"""


def test_the_daemon_waits_for_the_web_processes_evaluation_and_takes_it(tmp_path, monkeypatch):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    config = example_practice(tmp_path)
    web = open_workspace(config)
    shelf = Shelf(web.data_dir)
    try:
        web.evaluate(DAY)
        actions.renew(web, "cli:dana", "t-price", "bls", issued=DAY, expires=date(2029, 1, 31))
        with web._latest.claim() as mine:  # the web process's watcher, about to compute it
            assert mine
            daemon = subprocess.Popen([sys.executable, "-c", DAEMON, str(config)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            done, _ = compute(web, DAY)
        assert finished(daemon) == {"evaluated": 0, "version": done.version}  # taken from it
        label = shelf.label(DAY)
        assert (label["pid"], label["version"]) == (os.getpid(), done.version)  # not put again
        expiry = next(c.expires for c in done.snapshot.credentials if c.id == "t-price:bls")
        assert expiry == date(2029, 1, 31)

        # under another configuration (a file changed since the web process read it), the
        # shelf's evaluation is not its own: computed
        practice_yaml = config / "practice.yaml"
        practice_yaml.write_text(practice_yaml.read_text() + "\n# edited\n")
        again = subprocess.run([sys.executable, "-c", DAEMON, str(config)], check=False,
                               capture_output=True, text=True, timeout=120)
        assert finished(again) == {"evaluated": 1, "version": done.version}
        assert shelf.label(DAY)["pid"] != os.getpid()
    finally:
        web.close()


def finished(daemon) -> dict:
    out, err = daemon.communicate(timeout=120) if isinstance(daemon, subprocess.Popen) \
        else (daemon.stdout, daemon.stderr)
    assert daemon.returncode == 0, err
    return json.loads(out)


# a question about the whole horizon, `cases` (its clearances) or `status` (its due dates),
# asked in a process of its own, counting the engine's evaluations
QUESTION = """
import json, sys
from datetime import date
from nervecenter.data import report
from nervecenter.service import workspace
engine, computed = workspace.evaluate, []
def counted(*args, **kwargs):
    computed.append(1)
    return engine(*args, **kwargs)
workspace.evaluate = counted
ws = workspace.open_workspace(sys.argv[1])
if sys.argv[2] == "cases":
    answer = report.cases_json(ws.evaluate(date(2026, 12, 1), due=False, conflicts=False))
else:
    answer = report.status_json(ws.evaluate(date(2026, 12, 1), clearances=False,
                                            conflicts=False), 90, None)
print(json.dumps({"evaluated": len(computed), "answer": answer}))
"""


@pytest.mark.parametrize("question", ["cases", "status"])
def test_the_questions_of_the_horizon_are_read_from_the_days_shelved_evaluation(
        tmp_path, monkeypatch, question):
    """After the day's run, `cases` and `status` load the evaluation it shelved instead of
    computing the clearances of the horizon (the costly part of the whole evaluation, which due
    dates need for the cases each endangers), and answer what they would compute; once the data
    changed, the shelf is not current and they are computed."""
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    config = example_practice(tmp_path)
    ws = open_workspace(config)
    shelf = Shelf(ws.data_dir)
    try:
        ws.evaluate(DAY)  # the day's run
        assert shelf.stamp(DAY) is not None
        shelved = ask(config, question)
        assert shelved["evaluated"] == 0
        shelf._path(DAY).unlink()
        computed = ask(config, question)
        assert computed == {**shelved, "evaluated": 1}
        open_workspace(config).evaluate(DAY)  # shelved again
        actions.renew(ws, "cli:dana", "t-price", "bls", issued=DAY, expires=date(2029, 1, 31))
        changed = ask(config, question)
        assert changed["evaluated"] == 1 and changed["answer"] != shelved["answer"]
    finally:
        ws.close()


def ask(config, question: str) -> dict:
    return finished(subprocess.run([sys.executable, "-c", QUESTION, str(config), question],
                                   check=False, capture_output=True, text=True, timeout=120))


def test_a_web_process_started_after_a_configuration_change_does_not_show_the_old_rules(
        tmp_path, monkeypatch):
    """The day's evaluation on the shelf was computed under the configuration as it was: a web
    process reading the edited configuration computes its own instead of showing the old one
    (and never takes it as current afterwards)."""
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    config = example_practice(tmp_path)
    before = open_workspace(config)
    try:
        old = before.evaluate(DAY)  # the day's run, shelved
    finally:
        before.close()
    practice_yaml = config / "practice.yaml"
    practice_yaml.write_text(practice_yaml.read_text().replace("case_horizon_days: 30",
                                                               "case_horizon_days: 7"))
    web = open_workspace(config)
    try:
        done = web.latest(DAY)
        assert web._latest.computed == 1
        assert len(done.evaluation.clearances) < len(old.clearances)
        assert Shelf(web.data_dir).label(DAY)["config"] == web.config_digest
    finally:
        web.close()
