"""Alert planning: which alerts are due now, to whom, with what message. Pure, like the rules.

    plan(practice, snapshot, evaluation, history, silences=..., digest=...) -> [Alert]

`history` is what the ledger already holds (alerts/ledger.py loads it); planning never reads a
clock, a database or a network, so any `--on` date plans reproducibly. The kinds:

- `stage`: the credential's current stage, once per (credential version, stage). Only the
  current stage is ever planned, so after downtime only the most urgent crossed stage is sent.
- `lapsed`: after the due date, one reminder per `expired_repeat_days` period (period 0 is
  covered by the stage-0 alert when that went out on the due date).
- `renewal_deadline`: once per version when days_left <= the type's renewal_lead_days.
- `case` once per distinct problem set, `case_cleared` once when such a case clears,
  `case_assigned` once per (person, case, start), `digest` once per manager per digest date.
- `ce_shortfall`: once per (credential, cycle end, stage in months) while the hours counted are
  short of the requirement; to the person, and the managers too at the type's last stage.
- `excluded`: to the managers, once per confirmed exclusion not yet reinstated (person, list,
  date), at once: before its date too.
- `delivery_failed` is raised by the outbox (alerts/outbox.py) through `delivery_failed()`.
- `source_error` to the managers once per (failing `sources:` file, first problem) while it
  fails, `source_fixed` once when it imports again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from nervecenter.alerts import contacts, messages
from nervecenter.core.model import Channel, Practice, Snapshot, SourceProblem
from nervecenter.rules.coverage import Coverage
from nervecenter.rules.results import Clearance, DueDate, Evaluation
from nervecenter.store.collector import paused

KINDS = ("stage", "lapsed", "renewal_deadline", "case", "case_cleared", "case_assigned",
         "digest", "ce_shortfall", "excluded", "delivery_failed", "source_error",
         "source_fixed", "rule_error", "first_run")
CREDENTIAL_KINDS = ("stage", "lapsed", "renewal_deadline")
DIGEST_DAYS = 90  # the digest lists credentials due within this many days
DIGEST_WEEKS = 4  # and the facilities thin or short within this many weeks (coverage ahead)


@dataclass(frozen=True)
class Target:
    """One (recipient, channel) an alert goes to: a delivery row in the outbox."""

    recipient: str
    url: str


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. `content` is its Message, or a function composing it on first use (planning
    decides cheaply; only alerts that are shown or written get their text composed). Slotted:
    a first run holds 58,000 of them, and an instance dict each, once its title was cached in
    it, took 46 MB."""

    key: str
    kind: str
    recipients: tuple[str, ...]
    targets: tuple[Target, ...]
    content: messages.Message | Callable[[], messages.Message] = field(repr=False,
                                                                       compare=False)
    person: str | None = None
    credential: str | None = None
    version: int | None = None
    stage: int | None = None
    case: str | None = None
    # targets that get it only as a line of their first-run summary (alerts/first_run.py)
    summarized: tuple[Target, ...] = ()
    # composed on first use (`message`, `title`, `line`), not by __init__ or `replace`
    _message: messages.Message | None = field(default=None, init=False, repr=False,
                                              compare=False)
    _title: str | None = field(default=None, init=False, repr=False, compare=False)
    _line: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def message(self) -> messages.Message:
        if self._message is None:
            object.__setattr__(self, "_message",
                               self.content() if callable(self.content) else self.content)
        return self._message

    @property
    def title(self) -> str:
        if self._title is None:
            object.__setattr__(self, "_title", self.message.title)
        return self._title

    @property
    def line(self) -> str:
        """The alert as one line of a list (a first-run summary's)."""
        if self._line is None:
            object.__setattr__(self, "_line",
                               messages.as_line(self.message.title, self.message.text))
        return self._line

    def forget_texts(self) -> None:
        """Drop the composed message once written, keeping its title (and its line, when a
        first-run summary lists it): a first run writes 63,000 alerts at 5,000 people, and
        holding all their texts took 100 MB."""
        _ = self.title, self.summarized and self.line
        object.__setattr__(self, "_message", None)

    def as_dict(self) -> dict[str, Any]:
        """The keys of docs/contract.md, plus the case and the title."""
        return {"key": self.key, "kind": self.kind, "person": self.person,
                "credential": self.credential, "stage": self.stage,
                "recipients": list(self.recipients), "case": self.case,
                "title": self.title,
                "summarized_for": list(dict.fromkeys(t.recipient for t in self.summarized))}


@dataclass(frozen=True)
class Silence:
    """No credential alerts for what it names (None = any) through `until` (inclusive)."""

    until: date
    person: str | None = None
    type: str | None = None
    credential: str | None = None
    reason: str = ""
    by: str = ""

    def covers(self, person: str, type_id: str, credential: str, on: date) -> bool:
        return (on <= self.until
                and self.person in (None, person)
                and self.type in (None, type_id)
                and self.credential in (None, credential))


@dataclass(frozen=True)
class FailedDelivery:
    """A delivery that failed for good, for the digest."""

    alert: str
    recipient: str
    channel: str  # privacy form
    error: str


@dataclass
class History:
    """What the ledger already holds, as planning needs it."""

    keys: set[str] = field(default_factory=set)
    # (credential id, version, stage) of stage alerts; stage -1 marks a renewal_deadline alert
    stages_sent: set[tuple[str, int, int]] = field(default_factory=set)
    last_case_key: dict[str, str] = field(default_factory=dict)  # case id -> latest `case` key
    failed: tuple[FailedDelivery, ...] = ()
    # file -> when (digits of `since`) the episode began that the last source_error told of
    failing_sources: dict[str, str] = field(default_factory=dict)
    reached: set[str] = field(default_factory=set)  # recipients with a delivery in the ledger

    def record(self, key: str, kind: str, credential: str | None = None,
               version: int | None = None, stage: int | None = None,
               case: str | None = None) -> None:
        """Note one alert of the ledger (in the order they were planned)."""
        self.keys.add(key)
        if kind == "stage" and credential is not None:
            self.stages_sent.add((credential, version or 1, stage))
        elif kind == "renewal_deadline" and credential is not None:
            self.stages_sent.add((credential, version or 1, RENEWAL_MARK))
        elif kind == "case" and case is not None:
            self.last_case_key[case] = key
        elif kind == "source_error":
            _, since, _, file = key.split(":", 3)
            self.failing_sources[file] = since

    def add(self, alert: Alert) -> None:
        self.record(alert.key, alert.kind, alert.credential, alert.version, alert.stage,
                    alert.case)


RENEWAL_MARK = -1


def urgency(stage: int | None) -> int:
    """Sorts alerts the most urgent first: lapsed (stage 0), the nearest stages, then the rest
    (cases, digests...), each in the order planned."""
    return 1000 if stage is None else stage


class Directory:
    """Names and channels of every recipient: people from the snapshot, managers from config."""

    def __init__(self, practice: Practice, snapshot: Snapshot):
        self.practice = practice
        self.people = snapshot.people
        self.managers = {m.id: m for m in practice.managers}
        self._channels: dict[str, tuple[Channel, ...]] = {}

    def name(self, rid: str) -> str:
        who = self.people.get(rid) or self.managers.get(rid)
        return who.name if who else rid

    def channels(self, rid: str) -> tuple[Channel, ...]:
        """Their own `notify`, else what the practice's `contacts:` make of their email/phone."""
        found = self._channels.get(rid)
        if found is None:
            urls: dict[str, Channel] = {}
            for who in (self.people.get(rid), self.managers.get(rid)):
                for ch in contacts.channels(who, self.practice.contacts):
                    urls.setdefault(ch.url, ch)
            found = self._channels[rid] = tuple(urls.values())
        return found

    def stranded(self, recipients: Iterable[str]) -> tuple[str, ...]:
        """The recipients no channel reaches (their alerts go to the managers)."""
        return tuple(r for r in recipients if not self.channels(r))


def route(directory: Directory, recipients: Iterable[str], stage: int | None) -> tuple[Target, ...]:
    """Each recipient's channels that take this alert: a channel with a `stages` filter takes
    only alerts of those stages (a lapse counts as stage 0), nothing else. A recipient without
    any channel is replaced by the managers, so the alert never vanishes."""
    targets: dict[Target, None] = {}
    recipients = tuple(recipients)
    if directory.stranded(recipients):
        recipients = _unique((*recipients, *directory.managers))
    for rid in recipients:
        for ch in directory.channels(rid):
            if ch.stages is None or (stage is not None and stage in ch.stages):
                targets.setdefault(Target(rid, ch.url))
    return tuple(targets)


def _stranded_note(compose: Callable[[], messages.Message], names: list[str]) -> messages.Message:
    return messages.with_note(compose(), messages.stranded(names))


def _unique(ids: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in ids if i))


def problems_hash(clearance: Clearance) -> str:
    """A short stable digest of a case's outcome and problem set (order does not matter)."""
    items = sorted("\x1f".join((p.person or "", p.role, p.type or "", p.reason, p.source))
                   for p in clearance.problems)
    raw = "\x1e".join([clearance.outcome, *items])
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


class _Planner:
    def __init__(self, practice: Practice, snapshot: Snapshot, evaluation: Evaluation,
                 history: History, silences: Iterable[Silence], coverage: Coverage | None = None):
        self.practice = practice
        self.coverage = coverage
        self.policy = practice.alerts
        self.snapshot = snapshot
        self.today = evaluation.as_of
        self.evaluation = evaluation
        self.history = history
        self.silences = [s for s in silences if s.until >= self.today]
        self.directory = Directory(practice, snapshot)
        self.manager_ids = tuple(m.id for m in practice.managers)
        self.cases = {c.id: c for c in snapshot.cases}
        self.ctx = messages.MessageContext(practice, snapshot, self.directory.name, self.cases, self.today)
        self.alerts: list[Alert] = []
        self.routes: dict[tuple, tuple[Target, ...]] = {}  # (recipients, stage) -> targets
        self.first_day = self.today
        self.last_day = self.today + timedelta(days=self.policy.case_horizon_days)

    def add(self, key: str, kind: str, recipients: tuple[str, ...], stage: int | None,
            compose: Callable[[], messages.Message], **fields) -> None:
        targets = self.routes.get((recipients, stage))
        if targets is None:
            targets = self.routes[(recipients, stage)] = route(self.directory, recipients, stage)
        stranded = self.directory.stranded(recipients)
        if stranded:
            compose = partial(_stranded_note, compose, [self.directory.name(r) for r in stranded])
        self.alerts.append(Alert(key, kind, recipients, targets, compose, stage=stage, **fields))

    # ------------------------------------------------------------------ credentials

    def silenced(self, d: DueDate) -> bool:
        c = d.credential
        return any(s.covers(c.person, c.type, c.id, self.today) for s in self.silences)

    def credential(self, d: DueDate) -> None:
        c = d.credential
        if c.status == "revoked":
            return
        if d.days_left < 0:
            self.lapsed(d)
        elif d.stage is not None:
            self.stage(d)
        self.renewal_deadline(d)

    def stage(self, d: DueDate) -> None:
        c, stage = d.credential, d.stage
        key = f"credential:{c.id}:{d.due.isoformat()}:{stage}"
        if key in self.history.keys or (c.id, c.version, stage) in self.history.stages_sent:
            return
        escalate = stage <= self.policy.escalate_at
        if c.status == "renewal_submitted":
            if not escalate:
                return
            recipients = self.manager_ids
        else:
            recipients = _unique((c.person, *(self.manager_ids if escalate else ())))
        if self.silenced(d):
            return
        self.add(key, "stage", recipients, stage, partial(messages.credential_stage, self.ctx, d),
                 person=c.person, credential=c.id, version=c.version)

    def lapsed(self, d: DueDate) -> None:
        c = d.credential
        days = -d.days_left
        period = days // max(1, self.policy.expired_repeat_days)
        if period == 0 and (c.id, c.version, 0) in self.history.stages_sent:
            return  # the stage-0 alert on the due date covers the first period
        key = f"lapsed:{c.id}:{d.due.isoformat()}:{period}"
        if key in self.history.keys or self.silenced(d):
            return
        person = () if c.status == "renewal_submitted" else (c.person,)
        recipients = _unique((*person, *self.manager_ids))
        self.add(key, "lapsed", recipients, 0, partial(messages.credential_lapsed, self.ctx, d),
                 person=c.person, credential=c.id, version=c.version)

    def renewal_deadline(self, d: DueDate) -> None:
        c = d.credential
        ctype = self.practice.credential_types.get(c.type)
        lead = ctype.renewal_lead_days if ctype else 0
        if (not lead or d.days_left <= 0 or d.days_left > lead or c.status != "active"
                or (c.id, c.version, RENEWAL_MARK) in self.history.stages_sent):
            return
        key = f"renewal:{c.id}:{d.due.isoformat()}"
        if key in self.history.keys or self.silenced(d):
            return
        self.add(key, "renewal_deadline", _unique((c.person, *self.manager_ids)), None,
                 partial(messages.renewal_deadline, self.ctx, d, lead),
                 person=c.person, credential=c.id, version=c.version)

    # ------------------------------------------------------------------ cases

    def in_horizon(self, cl: Clearance) -> bool:
        return self.first_day <= cl.case.start.date() <= self.last_day

    def case(self, cl: Clearance) -> None:
        c = cl.case
        if cl.outcome == "cleared":
            last = self.history.last_case_key.get(c.id)
            if last:
                key = f"case_cleared:{c.id}:{last.rsplit(':', 1)[-1]}"
                if key not in self.history.keys:
                    self.add(key, "case_cleared", self.manager_ids, None,
                             partial(messages.case_cleared, self.ctx, cl), case=c.id)
            return
        key = f"case:{c.id}:{problems_hash(cl)}"
        if key in self.history.keys:
            return
        recipients = _unique((*self.manager_ids, *self.staff(c)))
        self.add(key, "case", recipients, None, partial(messages.case_problems, self.ctx, cl), case=c.id)

    def staff(self, case) -> tuple[str, ...]:
        """The case's technologist and reader, but not who has left the practice by its day."""
        people, day = self.snapshot.people, case.start.date()
        return _unique(p for p in (case.technologist, case.reader)
                       if not (p in people and people[p].gone(day)))

    def case_assigned(self, cl: Clearance) -> None:
        c = cl.case
        for person in self.staff(c):
            key = f"case_assigned:{c.id}:{person}:{c.start.isoformat()}"
            if key in self.history.keys or person not in self.snapshot.people:
                continue
            self.add(key, "case_assigned", (person,), None,
                     partial(messages.case_assigned, self.ctx, cl, person), person=person, case=c.id)

    def rule_errors(self) -> None:
        """One alert to the managers per broken rule kind (and kind of exception), whatever
        the number of cases it blocks."""
        by_kind: dict[str, list] = {}
        for cl in self.evaluation.clearances:
            if self.in_horizon(cl):
                for p in cl.problems:
                    if p.reason == "rule_error":
                        by_kind.setdefault(p.type, []).append((cl, p))
        for rule_kind, failures in by_kind.items():
            raised = re.search(r"failed: (\w+)", failures[0][1].detail)
            key = f"rule_error:{rule_kind}:{raised.group(1) if raised else 'error'}"
            if key not in self.history.keys:
                self.add(key, "rule_error", self.manager_ids, None,
                         partial(messages.rule_error, self.ctx, rule_kind, failures))

    # ------------------------------------------------------------------ digest

    def digests(self) -> None:
        due = [d for d in self.evaluation.due_dates
               if d.days_left <= DIGEST_DAYS and d.credential.status != "revoked"]
        open_cases = [cl for cl in self.evaluation.clearances
                      if cl.outcome != "cleared" and self.in_horizon(cl)]
        thin = self.coverage.flagged(DIGEST_WEEKS) if self.coverage is not None else None
        for m in self.practice.managers:
            key = f"digest:{m.id}:{self.today.isoformat()}"
            if key in self.history.keys:
                continue
            self.add(key, "digest", (m.id,), None,
                     partial(messages.digest, self.ctx, m.id, due, open_cases,
                             self.history.failed, self.evaluation.conflicts, thin))

    # ------------------------------------------------------------------ sources

    def sources(self, problems: Iterable[SourceProblem]) -> None:
        failing = {}
        for p in problems:
            file, since = p.file[:300], "".join(ch for ch in p.since if ch.isdigit())[:14]
            failing[file] = since
            digest = hashlib.sha256(p.problem.encode()).hexdigest()[:12]
            key = f"source_error:{since}:{digest}:{file}"
            if key not in self.history.keys:
                self.add(key, "source_error", self.manager_ids, None,
                         partial(messages.source_error, p))
        for file, since in self.history.failing_sources.items():
            key = f"source_fixed:{since}:{file}"
            if failing.get(file) != since and key not in self.history.keys:
                self.add(key, "source_fixed", self.manager_ids, None,
                         partial(messages.source_fixed, file))

    def ce_shortfall(self, s) -> None:
        key = f"ce_shortfall:{s.credential}:{s.cycle_end.isoformat()}:{s.stage}"
        if key in self.history.keys or any(x.covers(s.person, s.type, s.credential, self.today)
                                           for x in self.silences):
            return
        recipients = _unique((s.person, *(self.manager_ids if s.last_stage else ())))
        self.add(key, "ce_shortfall", recipients, None,
                 partial(messages.ce_shortfall, self.ctx, s), person=s.person,
                 credential=s.credential)

    def excluded(self) -> None:
        for x in self.snapshot.exclusions:
            key = f"excluded:{x.person}:{x.list}:{x.since.isoformat()}"
            reinstated = x.until is not None and x.until <= self.today
            if not reinstated and key not in self.history.keys:  # at once, even before `since`
                self.add(key, "excluded", self.manager_ids, None,
                         partial(messages.excluded, self.ctx, x), person=x.person)

    def run(self, digest: bool) -> list[Alert]:
        self.excluded()
        for s in self.evaluation.ce_shortfalls:
            self.ce_shortfall(s)
        for d in self.evaluation.due_dates:
            self.credential(d)
        for cl in self.evaluation.clearances:
            if self.in_horizon(cl):
                self.case(cl)
                self.case_assigned(cl)
        self.rule_errors()
        if digest:
            self.digests()
        return self.alerts


def plan(practice: Practice, snapshot: Snapshot, evaluation: Evaluation, history: History,
         *, silences: Iterable[Silence] = (), digest: bool = False,
         sources: Iterable[SourceProblem] = (), coverage: Coverage | None = None) -> list[Alert]:
    """The alerts due on `evaluation.as_of` that the ledger (`history`) does not hold yet;
    `sources` are the `sources:` files failing now (Workspace.source_problems). The digest lists
    the weeks of `coverage` (its first DIGEST_WEEKS) that are thin or short."""
    # Planning allocates many small objects next to a large live snapshot; without this the
    # cyclic collector re-scans that snapshot again and again (it holds no cycles we make).
    with paused():
        planner = _Planner(practice, snapshot, evaluation, history, silences, coverage)
        planner.sources(sources)
        return planner.run(digest)


def delivery_failed(directory: Directory, *, delivery_id: int, alert_title: str, recipient: str,
                    channel: str, error: str, attempts: int, exclude_url: str) -> Alert:
    """The alert to the managers about a delivery that failed for good (never to the failed
    channel itself)."""
    managers = tuple(m.id for m in directory.practice.managers)
    targets = tuple(t for t in route(directory, managers, None) if t.url != exclude_url)
    msg = messages.delivery_failed(alert_title, directory.name(recipient), channel, error, attempts)
    return Alert(f"delivery_failed:{delivery_id}", "delivery_failed", managers, targets, msg)
