"""What if: the practice changed in memory (a person leaves, a credential lapses or is renewed,
a facility's rules change), evaluated beside the practice as it is. Pure; nothing is written.

Both sides are `evaluate` and `coverage`, the engine's own answers; this module only changes
their inputs and lists where the answers differ.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from nervecenter.core.errors import NerveCenterError
from nervecenter.core.model import Credential, Practice, Snapshot
from nervecenter.rules.coverage import Coverage, coverage
from nervecenter.rules.evaluate import evaluate
from nervecenter.rules.results import Clearance


@dataclass(frozen=True)
class Change:
    """What to change; any of them, together."""

    without: str | None = None  # a person who leaves ...
    since: date | None = None  # ... from this day (default: the day asked about)
    lapse: str | None = None  # a credential id that lapses on the day asked about
    renew: str | None = None  # a credential id renewed ...
    expires: date | None = None  # ... to this expiry
    facility_rules: str | None = None  # the file a facility's new rules come from (shown only)

    def as_dict(self, on: date) -> dict:
        out: dict = {}
        if self.without:
            out.update(without=self.without, **{"from": (self.since or on).isoformat()})
        if self.lapse:
            out["lapse"] = self.lapse
        if self.renew:
            out.update(renew=self.renew, expires=self.expires.isoformat())
        if self.facility_rules:
            out["facility_rules"] = self.facility_rules
        return out

    def is_empty(self) -> bool:
        return not (self.without or self.lapse or self.renew or self.facility_rules)


@dataclass(frozen=True)
class CaseChange:
    case: str
    before: Clearance
    after: Clearance

    def as_dict(self) -> dict:
        return {"case": self.case, "before": self.before.as_dict(), "after": self.after.as_dict()}


@dataclass(frozen=True)
class WeekChange:
    facility: str
    cases_of: str  # "all cases" or a `when:` variant's label
    role: str
    week: date
    before: object  # coverage.Week, or None where the line is new
    after: object  # coverage.Week, or None where the line is gone

    def as_dict(self) -> dict:
        return {"facility": self.facility, "cases_of": self.cases_of, "role": self.role,
                "week": self.week.isoformat(),
                "before": self.before.as_dict() if self.before else None,
                "after": self.after.as_dict() if self.after else None}


@dataclass(frozen=True)
class WhatIf:
    as_of: date
    change: Change
    changes: tuple[CaseChange, ...]
    coverage: tuple[WeekChange, ...]
    names: dict = field(default_factory=dict)  # facility id -> name, for the table

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "change": self.change.as_dict(self.as_of),
                "changes": [c.as_dict() for c in self.changes],
                "coverage": [w.as_dict() for w in self.coverage]}


def apply(snapshot: Snapshot, change: Change, on: date) -> Snapshot:
    """The snapshot as the change would leave it (the original is not touched).

    A person who leaves is marked as having left on that day, as the roster's `left:` would:
    their cases from then on are blocked (`inactive`) and get backups, and they are nobody's
    backup; a lapsed credential holds until the day before `on`; a renewed one is a new,
    unverified version issued `on`.
    """
    by_id = {c.id: c for c in snapshot.credentials}
    credentials = list(snapshot.credentials)
    people = snapshot.people
    if change.without:
        if change.without not in snapshot.people:
            raise NerveCenterError(f"no person {change.without!r} in the roster"
                                   + _close(change.without, snapshot.people)
                                   + "; check the id in people.yaml")
        gone = change.since or on
        person = people[change.without]
        if person.left is None or person.left > gone:
            people = {**people, change.without: replace(person, left=gone)}
    if change.lapse:
        _known(change.lapse, by_id, "--lapse")
        credentials = [_until(c, on - timedelta(days=1)) if c.id == change.lapse else c
                       for c in credentials]
    if change.renew:
        current = _known(change.renew, by_id, "--renew")
        if change.expires is None or change.expires <= current.expires:
            raise NerveCenterError(f"--expires must be after the current expiry of {current.id} "
                                   f"({current.expires}); give the renewed credential's date")
        credentials = [replace(c, expires=change.expires, issued=on, status="active",
                               verified=None, version=c.version + 1) if c.id == change.renew
                       else c for c in credentials]
    return replace(snapshot, people=people, credentials=tuple(credentials))


def _until(cred: Credential, last: date) -> Credential:
    return replace(cred, expires=last) if cred.expires > last else cred


def _close(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _known(cid: str, by_id: dict[str, Credential], option: str) -> Credential:
    if cid not in by_id:
        raise NerveCenterError(f"{option}: no credential {cid!r}" + _close(cid, by_id)
                               + "; write it as person:type, or person:type:scope for a "
                               "state's or facility's (`nervecenter status` lists them)")
    return by_id[cid]


def compare(before: tuple[Practice, Snapshot], after: tuple[Practice, Snapshot], on: date,
            change: Change, *, weeks: int, start: date | None = None, end: date | None = None,
            evaluated=None, covered: Coverage | None = None) -> WhatIf:
    """The cases from `start` to `end` (default the case horizon) whose outcome, problems or
    backups differ, and the coverage weeks whose flag differs. `evaluated` and `covered` are
    the as-is answers when the caller already has them."""
    if evaluated is None:
        evaluated = evaluate(*before, on, start=start, end=end, due=False, conflicts=False)
    if covered is None:
        covered = coverage(*before, on, weeks=weeks)
    then = evaluate(*after, on, start=start, end=end, due=False, conflicts=False)
    was = {c.case.id: c for c in evaluated.clearances}
    cases = []
    for now in then.clearances:
        old = was.get(now.case.id)
        if old is not None and old.as_dict() != now.as_dict():
            cases.append(CaseChange(now.case.id, old, now))
    old_weeks, new_weeks = _weeks(covered), _weeks(coverage(*after, on, weeks=weeks))
    flags = []
    for key in sorted(old_weeks.keys() | new_weeks.keys()):
        a, b = old_weeks.get(key), new_weeks.get(key)
        if (a.flag if a else None) != (b.flag if b else None):
            flags.append(WeekChange(*key[:3], key[3], a, b))
    names = {f.id: f.name for f in after[0].facilities.values()}
    return WhatIf(on, change, tuple(cases), tuple(flags), names)


def _weeks(cov: Coverage) -> dict[tuple, object]:
    return {(f.id, label, role, w.week): w for f, label, role, weeks in cov.lines()
            for w in weeks}
