"""Coverage ahead: for each facility, role and week, who is cleared to work there, against the
cases booked. Pure, and decided by the engine's own lookups for a trial case there (no procedure,
or one a `when:` picks out) in the person's role.

A person counts as cleared for a week when the days on which they meet every credential
requirement (`plans.Plans.days`, the spans clearance itself consults) hold the whole week,
and `clearance.clear` finds no problem of theirs with a rule-kind requirement on its first and
last day. Trial cases are evaluated alone, so a rule kind (concurrent cases) does not count the
person's real cases against a case that is not booked.

A submitted renewal: the same question on the practice with every credential whose renewal is
submitted taken as valid; who is cleared only then is listed as `renewal_submitted`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nervecenter.core.model import ROLES, Case, Practice, Snapshot
from nervecenter.rules.clearance import clear
from nervecenter.rules.evaluate import context
from nervecenter.rules.plans import ALWAYS
from nervecenter.rules.schedule import case_day, case_end

WEEKS = 12
ALL_CASES = "all cases"  # the label of a facility's lines for requirements without `when:`
FLAGS = ("short", "thin", "ok")


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
    alone = Snapshot(snapshot.people, snapshot.credentials, snapshot.ce, ())
    ctx = context(practice, alone)
    # the same practice were every submitted renewal to come through: who would be cleared then
    renewed = context(practice, replace(alone, credentials=tuple(
        replace(c, expires=date.max) if c.status == "renewal_submitted" else c
        for c in alone.credentials)))
    ids = [facility] if facility else sorted(practice.facilities)
    by_role: dict[str, list[str]] = {r: [] for r in ROLES}
    for pid, p in snapshot.people.items():
        by_role.setdefault(p.role, []).append(pid)
    booked: dict[str, list[Case]] = {}
    for c in snapshot.cases:
        booked.setdefault(c.facility, []).append(c)
    out = []
    for fid in ids:
        ctx.rulebook.facility(fid)  # an unknown facility is the user's error, with the fix
        out.append(_facility(ctx, renewed, by_role, booked.get(fid, []), fid, on,
                             mondays(on, weeks)))
    return Coverage(on, weeks, tuple(out))


def _facility(ctx, renewed, by_role: dict[str, list[str]], booked: list[Case], fid: str,
              on: date, weeks: list[date]) -> FacilityCoverage:
    f = ctx.practice.facilities[fid]
    rules = ctx.rulebook.rules(fid)
    roles = {r: _weeks(ctx, renewed, by_role[r], fid, on, weeks, r, {}, booked) for r in ROLES}
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
            r: _weeks(ctx, renewed, by_role[r], fid, on, weeks, r, values, theirs)
            for r in bound}))
    return FacilityCoverage(fid, f.name, roles, tuple(variants))


def _trial(ctx, fid: str, role: str, person: str, day: date, when: dict) -> Case:
    tz = ZoneInfo(ctx.practice.facilities[fid].timezone)
    start = datetime.combine(day, time(12, 0), tz)
    values = {k: vs[0] for k, vs in when.items()}
    procedure = values.pop("procedure", None)
    tech, reader = (person, None) if role == "technologist" else (None, person)
    return Case(f"trial:{person}:{day}", fid, start, procedure=procedure, technologist=tech,
                reader=reader, fields=values)


def _weeks(ctx, renewed, people: list[str], fid: str, on: date, weeks: list[date], role: str,
           when: dict, booked: list[Case]) -> tuple[Week, ...]:
    days = [(max(monday, on), monday + timedelta(days=6)) for monday in weeks]
    cleared: list[list[str]] = [[] for _ in weeks]
    submitted: list[list[str]] = [[] for _ in weeks]
    plan, plan_renewed = _plan(ctx, fid, role, when, on), _plan(renewed, fid, role, when, on)
    for pid in _candidates(renewed, plan_renewed, people):
        now = _covered(ctx, plan, fid, role, pid, days, when)
        then = now if all(now) else _covered(renewed, plan_renewed, fid, role, pid, days, when)
        for i, (yes, maybe) in enumerate(zip(now, then)):
            if yes:
                cleared[i].append(pid)
            elif maybe:
                submitted[i].append(pid)
    out = []
    for i, monday in enumerate(weeks):
        week_cases = [c for c in booked if monday <= case_day(c) <= days[i][1]]
        peak = _peak(week_cases)
        out.append(Week(monday, tuple(sorted(cleared[i])), tuple(sorted(submitted[i])),
                        len(week_cases), peak, flag(len(cleared[i]), peak)))
    return tuple(out)


def _plan(ctx, fid: str, role: str, when: dict, on: date):
    return ctx.plans.plan(ctx.rulebook.for_case(_trial(ctx, fid, role, "", on, when)), role)


def _candidates(ctx, plan, people: list[str]) -> list[str]:
    """Those of `people` who hold a credential of an accepted type for every credential
    requirement of `plan`: nobody else can be cleared, whatever the dates (an index lookup)."""
    keep = set(people)
    for rule in plan.credential_rules:
        keep &= set().union(*(ctx.index.holders.get(key, ()) for key in rule.keys))
    return sorted(keep)


def _covered(ctx, plan, fid: str, role: str, person: str, days: list[tuple[date, date]],
             when: dict) -> list[bool]:
    """For each (first, last): would the person be cleared on every day of it? The days they
    meet every credential requirement are the engine's spans (`Plans.days`, what
    clearance itself looks up); a requirement of a rule kind is asked on the first and the last
    day through `clear`."""
    spans = ctx.plans.days(plan, person) if plan.credential_rules else ALWAYS
    out = []
    for first, last in days:
        yes = any(a <= first.toordinal() and last.toordinal() <= b for a, b in spans)
        if yes and plan.kinds:
            yes = not any(p.person == person for day in (first, last)
                          for p in clear(ctx, _trial(ctx, fid, role, person, day, when))[1])
        out.append(yes)
    return out


def _peak(cases: list[Case]) -> int:
    """The most cases running at one moment (a case ending as another starts does not overlap)."""
    events = sorted([(c.start, 1) for c in cases] + [(case_end(c), -1) for c in cases],
                    key=lambda e: (e[0], e[1]))
    peak = running = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak
