"""One evaluation: clearance of the cases in a window, due dates, conflicts. Pure: everything it
knows comes in as arguments."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import date, timedelta

from nervecenter.core.model import Practice, Snapshot
from nervecenter.rules.backups import Backups
from nervecenter.rules.ce import shortfalls
from nervecenter.rules.clearance import Context, clear
from nervecenter.rules.conflicts import find_conflicts
from nervecenter.rules.due import DueDates
from nervecenter.rules.explain import Explainer
from nervecenter.rules.matching import CredentialIndex, Rulebook, Spans
from nervecenter.rules.plans import Plans
from nervecenter.rules.results import Clearance, Evaluation
from nervecenter.rules.schedule import CaseSchedule, case_day


def context(practice: Practice, snapshot: Snapshot) -> Context:
    """The indexes an evaluation looks things up in."""
    index = CredentialIndex(snapshot.credentials)
    exclusions: dict[str, list] = {}
    for x in snapshot.exclusions:
        exclusions.setdefault(x.person, []).append(x)
    return Context(practice=practice, people=snapshot.people, index=index,
                   schedule=CaseSchedule(snapshot.cases), rulebook=Rulebook(practice),
                   explain=Explainer(practice, snapshot.people),
                   plans=Plans(practice.rule_kinds, Spans(index)), exclusions=exclusions)


@contextmanager
def _collector_paused():
    """An evaluation allocates hundreds of thousands of small objects and no reference cycles;
    the cyclic garbage collector would only re-scan them (15% of the time at 5,000 people)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def evaluate(practice: Practice, snapshot: Snapshot, on: date, *, start: date | None = None,
             end: date | None = None, due: bool = True, conflicts: bool = True,
             clearances: bool = True) -> Evaluation:
    """Evaluate a practice as of `on`.

    With `clearances`, those (with problems and backups) of the cases starting from `start` to
    `end` inclusive, by default the horizon `on` .. `on + case_horizon_days`; with `due`, a due
    date for every credential of the snapshot (and the cases of the horizon each endangers);
    with `conflicts`, the conflicts between facilities' requirements. What is not asked for is
    left empty and not computed.
    """
    with _collector_paused():
        return _evaluate(practice, snapshot, on, start, end, due, conflicts, clearances)


def _evaluate(practice: Practice, snapshot: Snapshot, on: date, start: date | None,
              end: date | None, due: bool, conflicts: bool, wanted: bool) -> Evaluation:
    ctx = context(practice, snapshot)
    horizon_end = on + timedelta(days=practice.alerts.case_horizon_days)
    start = on if start is None else start
    end = horizon_end if end is None else end
    verdicts = {}  # case id -> (outcome, problems, rules)
    in_window, in_horizon = [], []
    for_case = ctx.rulebook.for_case
    for case in ctx.schedule.ordered(snapshot.cases):
        day = case_day(case)
        shown = wanted and start <= day <= end
        if shown:
            in_window.append(case)
        if due and on <= day <= horizon_end:
            in_horizon.append(case)
        if shown or (due and on <= day <= horizon_end):
            rules = for_case(case)
            verdicts[case.id] = (*clear(ctx, case, rules), rules)
    backups = Backups(ctx)
    clearances = []
    for case in in_window:
        outcome, problems, rules = verdicts[case.id]
        clearances.append(Clearance(case=case, outcome=outcome, problems=problems,
                                    backups=backups.find(case, problems, rules)))
    horizon_problems = [(c.id, p) for c in in_horizon for p in verdicts[c.id][1]]
    due_dates = DueDates(ctx).compute(on, in_horizon, horizon_problems) if due else ()
    return Evaluation(as_of=on, clearances=tuple(clearances), due_dates=due_dates,
                      conflicts=find_conflicts(ctx, on) if conflicts else (),
                      people=dict(snapshot.people),
                      ce_shortfalls=shortfalls(practice, snapshot, on) if due else ())
