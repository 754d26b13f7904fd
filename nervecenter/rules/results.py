"""What an evaluation produces. `as_dict()` gives the stable JSON keys of docs/contract.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from nervecenter.core.model import Case, Credential, Person

Outcome = Literal["cleared", "warning", "blocked", "unstaffed"]
OUTCOMES = ("cleared", "warning", "blocked", "unstaffed")
REASONS = ("missing", "expired", "not_yet_valid", "too_old", "expires_too_soon", "revoked",
           "wrong_issuer", "unverified", "limit_exceeded", "inactive",
           "rule_error", "excluded")


@dataclass(frozen=True, slots=True)
class Problem:
    """One unmet requirement of one case."""

    person: str | None
    role: str
    type: str | None  # credential type id, the rule kind id for `rule:`; None for `inactive`
    reason: str  # one of REASONS
    source: str  # "facility:<id>", "state:<code>", or "practice" (`inactive`)
    detail: str  # one sentence a scheduler can act on
    enforcement: str = "block"
    credential: str | None = None  # the credential id concerned, when there is one

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.person, "role": self.role, "type": self.type,
                "reason": self.reason, "source": self.source, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Clearance:
    case: Case
    outcome: Outcome
    problems: tuple[Problem, ...] = ()
    backups: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        c = self.case
        return {"id": c.id, "facility": c.facility, "start": c.start.isoformat(),
                "end": c.end.isoformat() if c.end else None, "procedure": c.procedure,
                "technologist": c.technologist, "reader": c.reader,
                "outcome": self.outcome, "problems": [p.as_dict() for p in self.problems],
                "backups": list(self.backups)}


@dataclass(frozen=True, slots=True)
class DueDate:
    """When a credential is due for the places its holder works, and how urgent that is."""

    credential: Credential
    due: date
    due_reason: str | None  # set when a facility's rule made it earlier than the expiry
    days_left: int
    stage: int | None  # the current stage, None when further off than the first stage
    cases: tuple[str, ...] = ()  # ids of cases in the horizon it endangers

    @property
    def overdue(self) -> str | None:
        """The word for a due date that has passed, the same in every listing and message:
        "lapsed" once the credential expired, "past due" while only a facility's earlier due
        date has passed (the credential itself is still valid); None when not passed."""
        if self.days_left >= 0:
            return None
        return "past due" if self.due < self.credential.expires else "lapsed"

    def as_dict(self) -> dict[str, Any]:
        c = self.credential
        return {"person": c.person, "credential": c.id, "type": c.type, "scope": c.scope,
                "expires": c.expires.isoformat(), "due": self.due.isoformat(),
                "due_reason": self.due_reason, "days_left": self.days_left, "stage": self.stage,
                "status": c.status, "cases": list(self.cases)}


# The evaluation makes one Problem per unmet requirement, one Clearance per case and one DueDate
# per credential (100,000 objects at 5,000 people); these make them through their slots directly,
# without the frozen dataclass's object.__setattr__ per field. The very same objects, twice as fast.
_new = object.__new__
_PROBLEM = tuple(getattr(Problem, f).__set__ for f in (
    "person", "role", "type", "reason", "source", "detail", "enforcement", "credential"))
_CLEARANCE = tuple(getattr(Clearance, f).__set__ for f in ("case", "outcome", "problems", "backups"))
_DUE_DATE = tuple(getattr(DueDate, f).__set__ for f in (
    "credential", "due", "due_reason", "days_left", "stage", "cases"))


def new_problem(person: str | None, role: str, type: str | None, reason: str, source: str,
                detail: str, enforcement: str = "block", credential: str | None = None) -> Problem:
    """Problem(...), made faster."""
    obj = _new(Problem)
    s_person, s_role, s_type, s_reason, s_source, s_detail, s_enforcement, s_credential = _PROBLEM
    s_person(obj, person)
    s_role(obj, role)
    s_type(obj, type)
    s_reason(obj, reason)
    s_source(obj, source)
    s_detail(obj, detail)
    s_enforcement(obj, enforcement)
    s_credential(obj, credential)
    return obj


def new_clearance(case: Case, outcome: Outcome, problems: tuple[Problem, ...],
                  backups: tuple[str, ...]) -> Clearance:
    """Clearance(...), made faster."""
    obj = _new(Clearance)
    s_case, s_outcome, s_problems, s_backups = _CLEARANCE
    s_case(obj, case)
    s_outcome(obj, outcome)
    s_problems(obj, problems)
    s_backups(obj, backups)
    return obj


def new_due_date(credential: Credential, due: date, due_reason: str | None, days_left: int,
                 stage: int | None, cases: tuple[str, ...]) -> DueDate:
    """DueDate(...), made faster."""
    obj = _new(DueDate)
    s_credential, s_due, s_reason, s_days_left, s_stage, s_cases = _DUE_DATE
    s_credential(obj, credential)
    s_due(obj, due)
    s_reason(obj, due_reason)
    s_days_left(obj, days_left)
    s_stage(obj, stage)
    s_cases(obj, cases)
    return obj


@dataclass(frozen=True)
class Conflict:
    type: str
    attribute: str
    values: dict[str, Any]  # facility id -> its value for the attribute
    affected: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "attribute": self.attribute, "values": dict(self.values),
                "affected": list(self.affected)}


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    clearances: tuple[Clearance, ...] = ()
    due_dates: tuple[DueDate, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    people: dict[str, Person] = field(default_factory=dict)  # the snapshot's, for names in reports
    ce_shortfalls: tuple = ()  # rules.ce.CEShortfall, computed with the due dates
