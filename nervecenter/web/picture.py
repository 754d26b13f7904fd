"""The practice as one user may see it on one day: what the pages and the API show.

A `Picture` is taken once per request from the workspace's latest finished evaluation (never
waiting for one) and cut down to what the user may see: a manager sees everything, a person
user only their own person, their own credentials, their own cases and the alerts sent to them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Annotated

from fastapi import Depends, Request

from nervecenter.alerts import contacts
from nervecenter.core.model import Case, Credential, Person, Practice, Snapshot
from nervecenter.rules.coverage import Coverage
from nervecenter.rules.eligibility import cleared_at
from nervecenter.rules.results import Clearance, Conflict, DueDate, Evaluation
from nervecenter.service.latest import Finished, Index
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


@dataclass
class Picture:
    workspace: Workspace
    finished: Finished  # the evaluation, its snapshot and index, and questions beside it
    user: User
    evaluation: Evaluation | None = None  # default: the finished one's (the API narrows it)

    def __post_init__(self):
        if self.evaluation is None:
            self.evaluation = self.finished.evaluation

    @property
    def practice(self) -> Practice:
        return self.workspace.practice

    @property
    def snapshot(self) -> Snapshot:
        return self.finished.snapshot

    @property
    def index(self) -> Index:
        return self.finished.index

    @property
    def day(self) -> date:
        return self.evaluation.as_of

    # ------------------------------------------------------------ what the user may see

    def people(self) -> list[Person]:
        """The staff on the day: not who has left the practice (their own page stays)."""
        if self.user.is_manager:
            return list(self.index.staff)
        me = self.snapshot.people.get(self.user.person)
        return [me] if me is not None and not me.gone(self.day) else []

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
        return self.finished.clearance(case)

    def case(self, case_id: str) -> Case | None:
        c = self.index.case.get(case_id)
        return c if c is not None and self.visible_case(c) else None

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
        """Coverage ahead from the picture's day, on the evaluation's snapshot (kept with it)."""
        return self.finished.coverage(weeks=weeks, facility=facility)

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


WRITTEN = "written"  # the session's key: the data version its own last change made
WRITER_WAIT = 0.8  # seconds the next page after one's own change may wait to show it


def take_picture(request: Request, user: User) -> Picture:
    """The workspace's newest finished evaluation of today (or the app's fixed day), at once.
    Only right after this session changed something does it wait, at most WRITER_WAIT
    seconds, for an evaluation that shows the change (read your own writes)."""
    state = request.app.state
    session = request.session if "session" in request.scope else {}
    written = session.get(WRITTEN)
    done = state.workspace.latest(state.on, version=written if isinstance(written, int) else None,
                                  wait=WRITER_WAIT)
    if written is not None and (not isinstance(written, int) or done.version >= written):
        session.pop(WRITTEN, None)
    return Picture(state.workspace, done, user)


def wrote(request: Request) -> None:
    """This session changed the data: its next page shows the change (see take_picture), and
    the latest evaluation is renewed now."""
    ws = request.app.state.workspace
    request.session[WRITTEN] = ws.store.data_version()
    ws.changed()


def picture(request: Request, user: auth.CurrentUser) -> Picture:
    return take_picture(request, user)


Pic = Annotated[Picture, Depends(picture)]
