"""The in-memory model: plain typed objects, the same names as the YAML, database and JSON.

Configuration (what a practice writes once: types, facilities, states, policy) is a `Practice`.
What changes every day (people, credentials, CE entries, cases) is a `Snapshot`, taken as of a date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

Role = Literal["technologist", "reader"]
Scope = Literal["person", "state", "facility"]
Status = Literal["active", "renewal_submitted", "revoked"]
Enforcement = Literal["block", "warn"]

ROLES = ("technologist", "reader")
STATUSES = ("active", "renewal_submitted", "revoked")
DEFAULT_CASE_HOURS = 4  # a case without `end` lasts this long


@dataclass(frozen=True)
class Location:
    """Where something was written: a file and a 1-based line (0 when unknown)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ContinuingEducation:
    hours: float
    period_months: int
    limits: dict[str, float] = field(default_factory=dict)  # category -> max share of the hours
    alert_months: tuple[int, ...] = (12, 6, 3)  # ce_shortfall stages before the cycle's end


@dataclass(frozen=True)
class CredentialType:
    id: str
    name: str
    scope: Scope = "person"
    description: str = ""
    aliases: tuple[str, ...] = ()  # other names people write for it (data/names.py)
    issuer: str | None = None
    holders: tuple[Role, ...] = ROLES
    validity_months: int | None = None
    expiry: str = "exact"  # exact | end_of_month | end_of_year | season | never (core/dates.py)
    season_start: str | None = None  # MM-DD, for expiry "season"
    grace_days: int = 0
    renewal_lead_days: int = 0
    stages: tuple[int, ...] | None = None  # overrides the practice's stages
    continuing_education: ContinuingEducation | None = None
    verify_url: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # fact -> where it comes from
    plugin: str = ""  # the plugin that defined it
    location: Location | None = None


@dataclass(frozen=True)
class Requirement:
    """One rule of a facility or a state. Exactly one of credential, any_of, rule is set."""

    source: str  # "facility:<id>" or "state:<code>"
    credential: str | None = None
    any_of: tuple[str, ...] = ()
    rule: str | None = None
    role: Literal["technologist", "reader", "any"] = "technologist"
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)  # case field -> accepted values
    max_age_months: int | None = None
    valid_days_after_case: int = 0
    issuers: tuple[str, ...] | None = None
    enforcement: Enforcement = "block"  # already resolved against the facility's default
    accept_grace: bool = False
    verified: bool = False
    state: str | None = None  # explicit scope key for a state-scoped type
    facility: str | None = None  # explicit scope key for a facility-scoped type
    params: dict[str, Any] = field(default_factory=dict)  # a rule kind's own keys (e.g. max)
    location: Location | None = None

    @property
    def types(self) -> tuple[str, ...]:
        """The credential types that satisfy this requirement (empty for a rule kind)."""
        return (self.credential,) if self.credential else self.any_of

    def applies_to(self, role: str) -> bool:
        return self.role == "any" or self.role == role


@dataclass(frozen=True)
class Facility:
    id: str
    name: str
    state: str
    timezone: str
    enforcement: Enforcement = "block"
    requirements: tuple[Requirement, ...] = ()
    location: Location | None = None


@dataclass(frozen=True)
class StateRules:
    state: str
    requirements: tuple[Requirement, ...] = ()
    location: Location | None = None


@dataclass(frozen=True)
class Channel:
    """Where one recipient hears from NerveCenter: an Apprise URL (or a plugin's), stage filter."""

    url: str
    stages: tuple[int, ...] | None = None  # None: every stage


@dataclass(frozen=True)
class Manager:
    id: str
    name: str
    notify: tuple[Channel, ...] = ()
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class AlertPolicy:
    stages: tuple[int, ...] = (90, 60, 30, 7, 0)
    escalate_at: int = 7
    expired_repeat_days: int = 7
    case_horizon_days: int = 30
    retry_attempts: int = 6
    retry_backoff_seconds: int = 60


@dataclass(frozen=True)
class Schedule:
    evaluate: str = "0 6 * * *"
    digest: str = "0 7 * * MON"


@dataclass(frozen=True)
class RuleKind:
    """A requirement rule kind (`rule: <id>`) contributed by a plugin.

    `params_schema` is the JSON Schema of the requirement's own keys (e.g. `max`); `check` is
    called by the rules engine and returns problems (see nervecenter.rules):

        check(requirement, case, person_id, schedule) -> list[(reason, clause)] | None

    once per case and assigned person the requirement applies to; `schedule` is a
    nervecenter.rules.CaseSchedule (the person's cases, overlaps, cases per day). `reason` is one of
    rules.results.REASONS; `clause` follows the person's name ("would have 4 cases at once ...")."""

    id: str
    description: str
    params_schema: dict[str, Any]
    check: Callable[..., Any]
    plugin: str = ""
    package: str | None = None  # the plugin's distribution; None when built in
    reach_days: int | None = None  # days beyond a case's overlaps `check` sees; None: any
    reads_date: bool = True  # `check` may read the clock; False: later days reuse its results


@dataclass(frozen=True)
class Practice:
    """Everything a practice configures, loaded and validated from its configuration directory."""

    name: str
    timezone: str
    config_dir: Path
    database: str  # SQLAlchemy URL, relative sqlite paths already resolved
    alerts: AlertPolicy = AlertPolicy()
    schedule: Schedule = Schedule()
    managers: tuple[Manager, ...] = ()
    sources: tuple[Path, ...] = ()
    credential_types: dict[str, CredentialType] = field(default_factory=dict)
    facilities: dict[str, Facility] = field(default_factory=dict)
    states: dict[str, StateRules] = field(default_factory=dict)
    rule_kinds: dict[str, RuleKind] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)  # email|phone -> URL template
    case_values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> allowed
    documents_dir: Path | None = None  # where credential documents live (default: documents/)
    base_url: str | None = None  # the dashboard's address, for absolute links (calendar feeds)
    max_input: int = 50 * 1024 * 1024  # bytes of one input file (core/limits.max_input_bytes)

    @property
    def documents(self) -> Path:
        return self.documents_dir or self.config_dir / "documents"

    def stages_for(self, type_id: str) -> tuple[int, ...]:
        t = self.credential_types.get(type_id)
        return t.stages if t and t.stages else self.alerts.stages


# ---------------------------------------------------------------- what changes daily


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: Role
    home_state: str | None = None
    email: str | None = None
    phone: str | None = None
    notify: tuple[Channel, ...] = ()
    npi: str | None = None  # National Provider Identifier: matches exclusion lists exactly
    left: date | None = None  # the day they left the practice (they are kept, for history)

    def gone(self, day: date) -> bool:
        """Whether they have left the practice by `day`."""
        return self.left is not None and self.left <= day


@dataclass(frozen=True)
class Verification:
    """A primary source verification: when, by whom, how."""

    on: date
    by: str
    method: str = ""


def credential_id(person: str, type_id: str, scope: str | None) -> str:
    """`person:type`, or `person:type:scopekey` for state- and facility-scoped types."""
    return f"{person}:{type_id}:{scope}" if scope else f"{person}:{type_id}"


@dataclass(frozen=True, slots=True)
class Credential:
    """One version of a credential a person holds. A renewal is a new version of the same id."""

    person: str
    type: str
    expires: date
    scope: str | None = None  # state code or facility id for scoped types
    number: str | None = None
    issuer: str | None = None
    issued: date | None = None
    status: Status = "active"
    verified: Verification | None = None
    documents: tuple[str, ...] = ()
    version: int = 1

    @property
    def id(self) -> str:
        return credential_id(self.person, self.type, self.scope)


@dataclass(frozen=True)
class CEEntry:
    person: str
    credential: str  # credential type id the hours count toward
    date: date
    hours: float
    category: str = ""
    provider: str = ""


@dataclass(frozen=True)
class Exclusion:
    """A person confirmed on an exclusion list (the OIG's LEIE or SAM): excluded from `since`,
    cleared again from `until` (a reinstatement) when there is one."""

    person: str
    list: str  # "LEIE" or "SAM"
    since: date
    until: date | None = None
    kind: str = ""  # the list's exclusion type, e.g. 1128b4

    def applies(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    facility: str
    start: datetime  # aware, in the facility's time zone
    end: datetime | None = None
    procedure: str | None = None
    technologist: str | None = None
    reader: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # extra columns, for `when:`

    def value(self, name: str) -> str | None:
        """A case field by name, for `when:` conditions (procedure, facility, extra columns)."""
        if name in ("id", "facility", "procedure", "technologist", "reader"):
            return getattr(self, name)
        return self.fields.get(name)


@dataclass(frozen=True)
class SourceProblem:
    """A `sources:` file that does not import: its first problem, and since when (UTC, ISO
    8601) it has been failing. What the file last gave stays in force meanwhile."""

    file: str  # as the practice names it
    problem: str  # `file:line: what is wrong, and the fix`
    since: str

    def line(self) -> str:
        """The one warning line every command prints (the exit code does not change)."""
        return (f"warning: {self.problem} — going on with what {self.file} last gave "
                f"(failing since {self.since[:16].replace('T', ' ')} UTC)")


@dataclass(frozen=True)
class Snapshot:
    """People, the credential versions in force, CE entries and cases, as of one date."""

    people: dict[str, Person]
    credentials: tuple[Credential, ...]
    ce: tuple[CEEntry, ...] = ()
    cases: tuple[Case, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()  # confirmed exclusion-list matches
    focus: Any = None  # the rules.evaluate.Focus it was narrowed to; None: everything
