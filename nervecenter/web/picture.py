"""The practice as one user may see it on one day: what the pages and the API show.

A `Picture` is taken once per request (sources re-imported, snapshot, evaluation) and then cut
down to what the user may see: a manager sees everything, a person user only their own person,
their own credentials, their own cases and the alerts sent to them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request

from nervecenter.core import contacts
from nervecenter.core.model import Case, Credential, Person, Practice, Snapshot
from nervecenter.rules.coverage import Coverage
from nervecenter.rules.eligibility import cleared_at
from nervecenter.rules.results import Clearance, Conflict, DueDate, Evaluation
from nervecenter.service.workspace import Workspace
from nervecenter.store.users import User
from nervecenter.web import auth

WEEK = 7


def stage_class(due: DueDate) -> str:
    """A CSS class for how urgent a due date is, whatever the configured stages are."""
    if due.days_left < 0:
        return "lapsed"
    if due.stage is None:
        return "later"
    if due.stage <= 7:
        return "critical"
    if due.stage <= 30:
        return "urgent"
    if due.stage <= 60:
        return "soon"
    return "later"


@dataclass(frozen=True)
class Index:
    """Lookups by person and by credential, built once per evaluation (not per request)."""

    credentials: dict[str, list[Credential]]  # person -> credentials, by type and scope
    due: dict[str, list[DueDate]]  # person -> due dates
    due_of: dict[str, DueDate]  # credential id -> its due date
    cases: dict[str, list[Case]]  # person -> cases as technologist or reader, by start
    cleared: dict[str, list[str]] = field(default_factory=dict)  # facility -> ids (managers')

    @classmethod
    def of(cls, snapshot: Snapshot, evaluation: Evaluation) -> Index:
        credentials, due, cases = defaultdict(list), defaultdict(list), defaultdict(list)
        for c in snapshot.credentials:
            credentials[c.person].append(c)
        for v in credentials.values():
            v.sort(key=lambda c: (c.type, c.scope or ""))
        for d in evaluation.due_dates:
            due[d.credential.person].append(d)
        for case in sorted(snapshot.cases, key=lambda c: c.start):
            for pid in {case.technologist, case.reader} - {None}:
                cases[pid].append(case)
        return cls(dict(credentials), dict(due),
                   {d.credential.id: d for d in evaluation.due_dates}, dict(cases))


@dataclass
class Picture:
    workspace: Workspace
    snapshot: Snapshot
    evaluation: Evaluation
    user: User
    index: Index | None = None
    read_at: datetime | None = None  # when the data of this evaluation was read
    updating: bool = False  # a newer evaluation is being computed

    @property
    def practice(self) -> Practice:
        return self.workspace.practice

    def __post_init__(self):
        if self.index is None:
            self.index = Index.of(self.snapshot, self.evaluation)

    @property
    def day(self) -> date:
        return self.evaluation.as_of

    # ------------------------------------------------------------ what the user may see

    def people(self) -> list[Person]:
        """The staff on the day: not who has left the practice (their own page stays)."""
        day = self.day
        return sorted((p for p in self.snapshot.people.values()
                       if self.user.may_see(p.id) and not p.gone(day)),
                      key=lambda p: (p.name.lower(), p.id))

    def reachable(self, person: Person) -> bool:
        """Whether a channel reaches them (their notify, or practice.yaml's contacts:)."""
        return bool(contacts.channels(person, self.practice.contacts))

    def person(self, person_id: str) -> Person | None:
        p = self.snapshot.people.get(person_id)
        return p if p and self.user.may_see(p.id) else None

    def name(self, person_id: str | None) -> str:
        p = self.snapshot.people.get(person_id) if person_id else None
        return p.name if p else (person_id or "")

    def due(self, within: int | None = 90, person: str | None = None) -> list[DueDate]:
        """Due dates within `within` days (lapsed ones included), soonest first."""
        if person is not None:
            candidates = self.index.due.get(person, []) if self.user.may_see(person) else []
        elif self.user.is_manager:
            candidates = self.evaluation.due_dates
        else:
            candidates = self.index.due.get(self.user.person, [])
        items = [d for d in candidates if within is None or d.days_left <= within]
        return sorted(items, key=lambda d: (d.due, d.credential.person, d.credential.id))

    def visible_case(self, case: Case) -> bool:
        return self.user.is_manager or self.user.person in (case.technologist, case.reader)

    def clearances(self, *, not_cleared: bool = False) -> list[Clearance]:
        """The cases the user may see; for a person user with only their own problems and no
        backups (every page and API answer that lists cases reads them here)."""
        shown = [c for c in self.evaluation.clearances
                 if self.visible_case(c.case) and not (not_cleared and c.outcome == "cleared")]
        if self.user.is_manager:
            return shown
        me = self.user.person
        return [replace(c, problems=tuple(p for p in c.problems if p.person == me), backups=())
                for c in shown]

    def clearance_for(self, case: Case) -> Clearance:
        """The clearance of one case, evaluated on its own date when outside the horizon."""
        for c in self.evaluation.clearances:
            if c.case.id == case.id:
                return c
        ev = self.workspace.evaluate(self.day, case=case.id, due=False, conflicts=False,
                                     sync=False)
        return next(c for c in ev.clearances if c.case.id == case.id)

    def case(self, case_id: str) -> Case | None:
        for c in self.snapshot.cases:
            if c.id == case_id:
                return c if self.visible_case(c) else None
        return None

    def cases_of(self, person_id: str) -> list[Case]:
        return list(self.index.cases.get(person_id, []))

    def conflicts(self) -> list[Conflict]:
        """All conflicts for a manager; a person sees the rules, and only themself as affected."""
        if self.user.is_manager:
            return list(self.evaluation.conflicts)
        return [Conflict(c.type, c.attribute, c.values,
                         tuple(p for p in c.affected if p == self.user.person))
                for c in self.evaluation.conflicts]

    def credentials_of(self, person_id: str) -> list[Credential]:
        return list(self.index.credentials.get(person_id, []))

    def due_of(self, credential_id: str) -> DueDate | None:
        return self.index.due_of.get(credential_id)

    def visible(self) -> Evaluation:
        """The evaluation cut down to what the user may see (for data/report.py's JSON): a
        person user keeps their own due dates, their cases with only their own problems and no
        backups, and the conflicts with only themself as affected."""
        ev = self.evaluation
        if self.user.is_manager:
            return ev
        me = self.user.person
        return replace(
            ev, due_dates=tuple(self.index.due.get(me, ())),
            clearances=tuple(self.clearances()),
            conflicts=tuple(self.conflicts()))

    # ------------------------------------------------------------ facilities

    def coverage(self, *, weeks: int = 12, facility: str | None = None) -> Coverage:
        """Coverage ahead from the picture's day (the workspace's one function)."""
        return self.workspace.coverage(self.day, weeks=weeks, facility=facility, sync=False)

    def cleared_this_week(self, facility_id: str) -> list[tuple[Person, str]]:
        """People who would be cleared for a case at the facility on every day of this week.

        Each person is tried on a hypothetical case in their own role on the first and the last
        day of the week (credentials only get worse in between, except a renewal that starts
        later, which then does not count); a person user is only tried themself.
        """
        people = self.people()
        if self.user.is_manager and facility_id in self.index.cleared:
            cleared = set(self.index.cleared[facility_id])
            return [(p, p.role) for p in people if p.id in cleared]
        days = [self.day, self.day + timedelta(days=WEEK - 1)]
        cleared = cleared_at(self.practice, self.snapshot, facility_id, days, people, self.day)
        result = [(p, p.role) for p in people if p.id in cleared]
        if self.user.is_manager:
            self.index.cleared[facility_id] = [p.id for p, _ in result]
        return result


def take_picture(request: Request, user: User) -> Picture:
    """The workspace's newest finished evaluation of today (or the app's fixed day): a request
    never waits long for one (Workspace.latest); the per-person index is rebuilt only when that
    evaluation changed."""
    state = request.app.state
    ws = state.workspace
    done = ws.latest(state.on)
    indexed = state.indexed
    if indexed is None or indexed[0] is not done.evaluation:
        indexed = state.indexed = (done.evaluation, done.snapshot,
                                   Index.of(done.snapshot, done.evaluation))
    return Picture(ws, indexed[1], indexed[0], user, indexed[2], read_at=done.read_at,
                   updating=done.updating)


def picture(request: Request, user: auth.CurrentUser) -> Picture:
    return take_picture(request, user)


Pic = Annotated[Picture, Depends(picture)]
