"""One evaluation: clearance of the cases in a window, due dates, conflicts. Pure: everything it
knows comes in as arguments."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from nervecenter.core.model import Case, Practice, Snapshot
from nervecenter.rules.backups import Backups
from nervecenter.rules.ce import shortfalls
from nervecenter.rules.clearance import Context, clear
from nervecenter.rules.conflicts import find_conflicts
from nervecenter.rules.due import DueDates
from nervecenter.rules.explain import Explainer
from nervecenter.rules.matching import LAST_DAY, CredentialIndex, Rulebook, Spans
from nervecenter.rules.plans import Plans
from nervecenter.rules.results import Evaluation, new_clearance
from nervecenter.rules.schedule import CaseSchedule, case_day

# A case lasts at most MAX_CASE_HOURS (24, core/limits.py, checked where cases enter), so one that
# overlaps a case of day D starts after D - 1 in D's zone; zones differ by at most 26 hours and a
# stored case's day is the one of the offset it was written with: the cases written from D - 3 to
# D + 3 hold every case the clearance of one of day D sees (its overlaps, and the people busy on D
# who come last as backups).
NEIGHBOUR_DAYS = 3


@dataclass(frozen=True)
class Focus:
    """A question about a few days, for a snapshot read for it alone: the clearance (problems,
    backups) of the cases from `start` to `end`, or of the one `case` among them.

    `days` are the first and last day of the cases it can see (None: every case, when a rule kind
    in use may look anywhere); `keys(cases)` the (type, scope) pairs of the credentials it can
    use, given those cases (store/snapshot.py reads only these)."""

    practice: Practice = field(compare=False, repr=False)
    start: date
    end: date
    case: str | None = None
    days: tuple[date, date] | None = None

    def answers(self, start: date, end: date, case: str | None) -> bool:
        return self.start <= start and end <= self.end and self.case in (None, case)

    def shown(self, case: Case) -> bool:
        return self.start <= case_day(case) <= self.end and self.case in (None, case.id)

    def keys(self, cases: Iterable[Case]) -> set[tuple[str, str | None]]:
        """What the rules of the cases asked about look up (an unknown facility is left to the
        evaluation, which names it)."""
        rulebook, facilities = Rulebook(self.practice), self.practice.facilities
        found: set[tuple[str, str | None]] = set()
        for c in cases:
            if c.facility in facilities and self.shown(c):
                for rule in rulebook.for_case(c):
                    found.update(rule.keys)
        return found


def focus(practice: Practice, start: date, end: date, case: str | None = None) -> Focus:
    """The Focus of the clearance of the cases from `start` to `end` (or of one `case`)."""
    reach = 0
    for kind in _kinds_in_use(practice):
        if kind.reach_days is None:
            return Focus(practice, start, end, case)
        reach = max(reach, kind.reach_days)
    margin = NEIGHBOUR_DAYS + reach
    days = (date.fromordinal(max(start.toordinal() - margin, 1)),
            date.fromordinal(min(end.toordinal() + margin, LAST_DAY)))
    return Focus(practice, start, end, case, days)


def _kinds_in_use(practice: Practice) -> list:
    """The rule kinds the practice's requirements name (an unregistered one left out: the
    evaluation names it)."""
    reqs = [r for s in practice.states.values() for r in s.requirements] + [
        r for f in practice.facilities.values() for r in f.requirements]
    kinds = practice.rule_kinds
    return [kinds[r.rule] for r in reqs if r.rule and r.rule in kinds]


def carries_over(practice: Practice, before: date, on: date) -> bool:
    """Whether the whole evaluation as of `on` may take over the clearances of the whole
    evaluation of the same snapshot as of `before` (`evaluate(..., since=)`): `on` is later,
    within its horizon, and no rule kind in use may read the date (`RuleKind.reads_date`).

    A case's clearance (its problems, their sentences, its backups) is a function of the case,
    its day and the snapshot alone: nothing in rules/clearance.py, backups.py, explain.py or
    plans.py reads the as-of date or the clock (tests/test_rules_incremental.py holds it)."""
    return before < on <= before + timedelta(days=practice.alerts.case_horizon_days) and \
        not any(kind.reads_date for kind in _kinds_in_use(practice))


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
             end: date | None = None, case: str | None = None, due: bool = True,
             conflicts: bool = True, clearances: bool = True,
             since: Evaluation | None = None) -> Evaluation:
    """Evaluate a practice as of `on`.

    With `clearances`, those (with problems and backups) of the cases starting from `start` to
    `end` inclusive, by default the horizon `on` .. `on + case_horizon_days`, or of the one `case`
    among them; with `due`, a due date for every credential of the snapshot (and the cases of the
    horizon each endangers); with `conflicts`, the conflicts between facilities' requirements.
    What is not asked for is left empty and not computed. A snapshot narrowed to a Focus answers
    only the clearances it was read for (ValueError otherwise).

    `since`: the whole evaluation (all four parts, the default window) of this very snapshot as
    of an earlier day. The whole question as of `on` then takes over its clearances of the days
    both horizons share and clears only the days that entered the horizon since; due dates,
    conflicts and CE shortfalls are computed as of `on`. The result is the one computed from
    scratch. Ignored when `carries_over` says no, or for any other question.
    """
    horizon_end = on + timedelta(days=practice.alerts.case_horizon_days)
    start = on if start is None else start
    end = horizon_end if end is None else end
    narrowed = snapshot.focus
    if narrowed is not None and (due or conflicts or not narrowed.answers(start, end, case)):
        raise ValueError(f"a snapshot read for the clearances {narrowed} cannot answer this")
    whole = (start, end, case, due, conflicts, clearances) == (on, horizon_end, None, True,
                                                               True, True)
    with _collector_paused():
        if since is not None and whole and narrowed is None and \
                carries_over(practice, since.as_of, on):
            stepped = _step(practice, snapshot, on, since)
            if stepped is not None:
                return stepped
        return _evaluate(practice, snapshot, on, start, end, case, due, conflicts, clearances)


def _evaluate(practice: Practice, snapshot: Snapshot, on: date, start: date, end: date,
              only: str | None, due: bool, conflicts: bool, wanted: bool) -> Evaluation:
    ctx = context(practice, snapshot)
    horizon_end = on + timedelta(days=practice.alerts.case_horizon_days)
    verdicts = {}  # case id -> (outcome, problems, rules)
    in_window, in_horizon = [], []
    for_case = ctx.rulebook.for_case
    for case in ctx.schedule.ordered(snapshot.cases):
        day = case.start.date()  # case_day
        shown = wanted and start <= day <= end and only in (None, case.id)
        horizon = due and on <= day <= horizon_end
        if shown:
            in_window.append(case)
        if horizon:
            in_horizon.append(case)
        if shown or horizon:
            rules = for_case(case)
            outcome, problems = clear(ctx, case, rules)
            verdicts[case.id] = (outcome, problems, rules)
    find = Backups(ctx).find
    clearances = []
    for case in in_window:
        outcome, problems, rules = verdicts[case.id]
        clearances.append(new_clearance(case, outcome, problems, find(case, problems, rules)))
    horizon_problems = [(c.id, p) for c in in_horizon for p in verdicts[c.id][1]]
    due_dates = DueDates(ctx).compute(on, in_horizon, horizon_problems) if due else ()
    return Evaluation(as_of=on, clearances=tuple(clearances), due_dates=due_dates,
                      conflicts=find_conflicts(ctx, on) if conflicts else (),
                      people=dict(snapshot.people),
                      ce_shortfalls=shortfalls(practice, snapshot, on) if due else ())


def _step(practice: Practice, snapshot: Snapshot, on: date,
          since: Evaluation) -> Evaluation | None:
    """The whole evaluation as of `on` from `since`'s (see `evaluate`); None when `since` is
    not an evaluation of this snapshot's cases (the caller computes it all)."""
    ctx = context(practice, snapshot)
    horizon = timedelta(days=practice.alerts.case_horizon_days)
    horizon_end, known_end = on + horizon, since.as_of + horizon
    known = {c.case.id: c for c in since.clearances}
    for_case, find = ctx.rulebook.for_case, Backups(ctx).find
    in_horizon, clearances = [], []
    for case in ctx.schedule.ordered(snapshot.cases):
        day = case.start.date()  # case_day
        if not on <= day <= horizon_end:
            continue
        in_horizon.append(case)
        if day <= known_end:
            found = known.get(case.id)
            if found is None or found.case is not case:  # another snapshot's, or a narrower one
                return None
            clearances.append(found)
        else:
            rules = for_case(case)
            outcome, problems = clear(ctx, case, rules)
            clearances.append(new_clearance(case, outcome, problems,
                                            find(case, problems, rules)))
    horizon_problems = [(c.case.id, p) for c in clearances for p in c.problems]
    return Evaluation(as_of=on, clearances=tuple(clearances),
                      due_dates=DueDates(ctx).compute(on, in_horizon, horizon_problems),
                      conflicts=find_conflicts(ctx, on), people=dict(snapshot.people),
                      ce_shortfalls=shortfalls(practice, snapshot, on))
