"""Coverage ahead: for each facility, role and week, who is cleared to work there, against the
cases booked. Pure, and decided by the engine's own clearance (`clearance.clear`) of trial cases.

A person counts as cleared for a week when a trial case in their own role at the facility is
cleared on the week's first and last day and the days they meet every credential requirement
(`plans.Plans.qualified`) run unbroken between them: validity is a span of days, so nothing
lapses and comes back in between unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nervecenter.core.model import ROLES, Case, Practice, Snapshot
from nervecenter.rules.clearance import clear
from nervecenter.rules.evaluate import context
from nervecenter.rules.schedule import case_day, case_end

WEEKS = 12
ALL_CASES = "all cases"  # the label of a facility's lines for requirements without `when:`
FLAGS = ("short", "thin", "ok")
_NOBODY = "\x00nobody"  # a technologist no person is, so that a reader's trial case is staffed


@dataclass(frozen=True)
class Week:
    week: date  # its Monday
    cleared: tuple[str, ...]  # person ids, sorted
    renewal_submitted: tuple[str, ...]  # not cleared only for want of a submitted renewal
    cases: int  # cases booked at the facility that week (matching the variant's `when`)
    peak: int  # the most of them running at one moment
    flag: str  # short | thin | ok

    def as_dict(self) -> dict:
        return {"week": self.week.isoformat(), "cleared": list(self.cleared),
                "renewal_submitted": list(self.renewal_submitted), "cases": self.cases,
                "peak": self.peak, "flag": self.flag}


@dataclass(frozen=True)
class Variant:
    """The cases a `when:` requirement picks out, e.g. cranial and vascular cases."""

    when: dict[str, tuple[str, ...]]
    label: str  # "cranial, vascular cases"
    roles: dict[str, tuple[Week, ...]]  # only the roles its requirements bind

    def as_dict(self) -> dict:
        return {"when": {k: list(v) for k, v in self.when.items()}, "label": self.label,
                "roles": {r: [w.as_dict() for w in ws] for r, ws in self.roles.items()}}


@dataclass(frozen=True)
class FacilityCoverage:
    id: str
    name: str
    roles: dict[str, tuple[Week, ...]]
    variants: tuple[Variant, ...] = ()

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name,
                "roles": {r: [w.as_dict() for w in ws] for r, ws in self.roles.items()},
                "variants": [v.as_dict() for v in self.variants]}


@dataclass(frozen=True)
class Coverage:
    as_of: date
    weeks: int
    facilities: tuple[FacilityCoverage, ...]

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "weeks": self.weeks,
                "facilities": [f.as_dict() for f in self.facilities]}

    def lines(self):
        """(facility, label, role, weeks) of every line: each role for all cases, then each
        `when:` variant's roles."""
        for f in self.facilities:
            for role, weeks in f.roles.items():
                yield f, ALL_CASES, role, weeks
            for v in f.variants:
                for role, weeks in v.roles.items():
                    yield f, v.label, role, weeks

    def flagged(self, weeks: int) -> list[tuple[FacilityCoverage, str, str, Week]]:
        """(facility, line label, role, week) of every short or thin week among the first
        `weeks`."""
        return [(f, label, role, w) for f, label, role, ws in self.lines()
                for w in ws[:weeks] if w.flag != "ok"]


def flag(cleared: int, peak: int) -> str:
    """`short` when fewer are cleared than the cases running at once need (at least one: a
    facility nobody could go to is short even before a case is booked); `thin` when one lapse
    would make it short or leave a single person (at most one more than needed); `ok` else."""
    needed = max(peak, 1)
    if cleared < needed:
        return "short"
    if cleared <= needed + 1:
        return "thin"
    return "ok"


def mondays(on: date, weeks: int) -> list[date]:
    """The Mondays of `weeks` ISO weeks, the first the week holding `on`."""
    first = on - timedelta(days=on.weekday())
    return [first + timedelta(weeks=n) for n in range(weeks)]


def coverage(practice: Practice, snapshot: Snapshot, on: date, *, weeks: int = WEEKS,
             facility: str | None = None) -> Coverage:
    """Coverage of every facility (or one) for `weeks` weeks from the week holding `on`.

    The first week counts from `on` (the days before it are past). Only the credentials in
    force in `snapshot` count: no renewal is assumed unless it is recorded.
    """
    # Trial cases run alone: the people's real cases must not make a rule kind (concurrent
    # cases) answer for a case that is not booked.
    ctx = context(practice, Snapshot(snapshot.people, snapshot.credentials, snapshot.ce, ()))
    ids = [facility] if facility else sorted(practice.facilities)
    out = []
    for fid in ids:
        ctx.rulebook.facility(fid)  # an unknown facility is the user's error, with the fix
        out.append(_facility(ctx, snapshot, fid, on, mondays(on, weeks)))
    return Coverage(on, weeks, tuple(out))


def _facility(ctx, snapshot: Snapshot, fid: str, on: date, weeks: list[date]) -> FacilityCoverage:
    f = ctx.practice.facilities[fid]
    rules = ctx.rulebook.rules(fid)
    booked = [c for c in snapshot.cases if c.facility == fid]
    roles = {r: _weeks(ctx, snapshot, fid, on, weeks, r, {}, booked) for r in ROLES}
    whens: dict[tuple, list] = {}
    for rule in rules:
        if rule.req.when:
            whens.setdefault(rule.when, []).append(rule)
    variants = []
    for picked in whens.values():
        written = picked[0].req.when
        values = {k: tuple(str(v) for v in vs) for k, vs in written.items()}
        label = ", ".join(v for vs in values.values() for v in vs) + " cases"
        theirs = [c for c in booked
                  if {r.n for r in picked} <= {r.n for r in ctx.rulebook.for_case(c)}]
        bound = [r for r in ROLES if any(r in rule.roles for rule in picked)]
        variants.append(Variant(values, label, {
            r: _weeks(ctx, snapshot, fid, on, weeks, r, values, theirs) for r in bound}))
    return FacilityCoverage(fid, f.name, roles, tuple(variants))


def _trial(ctx, fid: str, role: str, person: str, day: date, when: dict) -> Case:
    tz = ZoneInfo(ctx.practice.facilities[fid].timezone)
    start = datetime.combine(day, time(12, 0), tz)
    values = {k: vs[0] for k, vs in when.items()}
    procedure = values.pop("procedure", None)
    tech, reader = (person, None) if role == "technologist" else (_NOBODY, person)
    return Case(f"trial:{person}:{day}", fid, start, procedure=procedure, technologist=tech,
                reader=reader, fields=values)


def _weeks(ctx, snapshot: Snapshot, fid: str, on: date, weeks: list[date], role: str,
           when: dict, booked: list[Case]) -> tuple[Week, ...]:
    people = sorted(p.id for p in snapshot.people.values() if p.role == role)
    out = []
    for monday in weeks:
        first, last = max(monday, on), monday + timedelta(days=6)
        cleared, submitted = [], []
        for pid in people:
            verdict = _verdict(ctx, fid, role, pid, first, last, when)
            if verdict == "cleared":
                cleared.append(pid)
            elif verdict == "renewal_submitted":
                submitted.append(pid)
        week_cases = [c for c in booked if monday <= case_day(c) <= last]
        peak = _peak(week_cases)
        out.append(Week(monday, tuple(cleared), tuple(submitted), len(week_cases), peak,
                        flag(len(cleared), peak)))
    return tuple(out)


def _verdict(ctx, fid: str, role: str, person: str, first: date, last: date, when: dict) -> str:
    """cleared | renewal_submitted | not_cleared, for every day from `first` to `last`."""
    problems = []
    rules = None
    for day in (first, last):
        case = _trial(ctx, fid, role, person, day, when)
        rules = ctx.rulebook.for_case(case)
        problems.extend(p for p in clear(ctx, case)[1] if p.person == person)
    if not problems:
        plan = ctx.plans.plan(rules, role)
        if not plan.credential_rules or any(
                a <= first and last <= b for a, b in _spans(ctx, plan, person, first)):
            return "cleared"
        return "not_cleared"
    held = {c.id: c for c in ctx.index.of(person)}
    if all(p.credential in held and held[p.credential].status == "renewal_submitted"
           for p in problems):
        return "renewal_submitted"
    return "not_cleared"


def _spans(ctx, plan, person: str, day: date):
    ctx.plans.qualified(plan, person, day)  # fills plan.known[person]
    return plan.known.get(person, ())


def _peak(cases: list[Case]) -> int:
    """The most cases running at one moment (a case ending as another starts does not overlap)."""
    events = sorted([(c.start, 1) for c in cases] + [(case_end(c), -1) for c in cases],
                    key=lambda e: (e[0], e[1]))
    peak = running = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak
