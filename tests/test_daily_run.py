"""The daily run's costs that are not the engine's: what it does beside evaluating."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from kit.collector import collector_passes

from nervecenter.core.model import Credential
from nervecenter.service.sharing import Shelf

ROOT = Path(__file__).resolve().parent.parent


def test_the_shelf_is_written_without_a_pass_of_the_cyclic_collector(tmp_path):
    """Pickling an evaluation keeps a new tuple alive per object (the pickler's memo): the
    collector would walk the whole evaluation again and again meanwhile, for no cycle."""
    payload = [Credential(f"p-{n}", "bls", date(2027, 1, 1 + n % 28), number=str(n))
               for n in range(20_000)]
    shelf = Shelf(tmp_path)
    with collector_passes() as passes:
        shelf.put(date(2026, 12, 1), {"version": 1}, payload)
    # the file handling around the pickle may start one young pass; the pickle itself
    # started one per 700 objects (about 90 here)
    assert len(passes) <= 2
    assert gc.isenabled()
    head, back = shelf.get(date(2026, 12, 1))
    assert head == {"version": 1} and back == payload


def test_a_command_ends_without_the_interpreters_last_collections(tmp_path):
    """After a command the objects it made are frozen at exit, so the interpreter's final
    collections (a walk over everything still alive) skip them."""
    script = tmp_path / "exit.py"
    script.write_text(
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from nervecenter.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "frozen at exit: True" in out.stdout


def test_a_run_sets_what_it_evaluated_aside_from_the_collector_until_it_ends(example):
    """The snapshot and the evaluation stay alive through the history, the outbox and the
    delivery: frozen once evaluated, so the collector's passes meanwhile skip them; given back
    when the run ends."""
    from nervecenter.service import runner
    from nervecenter.service.workspace import open_workspace

    gc.unfreeze()  # what earlier tests of this process froze
    ws, frozen = open_workspace(example), {}

    def progress(step: str) -> None:
        frozen.setdefault(step.split()[0], gc.get_freeze_count())

    result = runner.run(ws, on=date(2026, 12, 1), progress=progress)
    ws.store.engine.dispose()
    assert result.outcome.sent > 0
    assert frozen["evaluating"] == 0
    assert frozen["writing"] > 0 and frozen["delivering"] > 0
    assert gc.get_freeze_count() == 0


def test_the_index_is_built_without_a_pass_of_the_cyclic_collector(example):
    """A day's evaluation is young when it is shelved: a pass started by the index's lists
    and dicts (one per person) would walk all of it (0.09 s at 5,000 people), then be set
    aside by the run unwalked."""
    from dataclasses import replace

    from nervecenter.service.latest import Started
    from nervecenter.service.workspace import open_workspace

    ws = open_workspace(example)
    day = date(2026, 12, 1)
    evaluation = ws.evaluate(day, sync=False)
    snapshot = replace(ws.snapshot(day), credentials=tuple(
        Credential(f"p-{n}", "bls", date(2027, 1, 1 + n % 28), number=str(n))
        for n in range(20_000)))
    try:
        with collector_passes() as passes:
            ws._latest.shelve(day, snapshot, evaluation, 1, Started.now(ws))
    finally:
        ws.store.engine.dispose()
    assert len(passes) <= 2  # the file handling around the pickle may start a young one
    assert gc.isenabled()


def test_a_run_evaluates_and_sets_it_aside_before_the_collector_runs_again(example):
    """The snapshot read, the engine and the shelving each make their objects with the
    collector paused; a pass between them, or before the run froze them, walks all of them
    young (about 0.1 s at 5,000 people): none is made."""
    from nervecenter.service import runner
    from nervecenter.service.workspace import open_workspace

    gc.unfreeze()
    ws, steps, passes = open_workspace(example), [], []

    def count(phase, info):
        evaluating = steps and steps[-1].startswith("evaluating")
        if phase == "start" and evaluating and gc.get_freeze_count() == 0:
            passes.append(info["generation"])

    threshold = gc.get_threshold()
    gc.set_threshold(50)  # a pass every 50 new objects wherever the collector runs
    gc.callbacks.append(count)
    try:
        runner.run(ws, on=date(2026, 12, 1), progress=steps.append)
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)
        ws.store.engine.dispose()
    assert steps[0].startswith("evaluating") and passes == []
