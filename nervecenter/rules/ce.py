"""Continuing-education hours per credential against its type's requirement (`nervecenter ce`),
and the shortfalls that alert (`ce_shortfall`) when a cycle's end draws near."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from nervecenter.core.dates import add_months
from nervecenter.core.model import CEEntry, ContinuingEducation, Credential, Practice, Snapshot


def limit_for(limits: dict[str, float], category: str) -> float | None:
    """The limit on one category: its own key, else a family key `prefix/*` whose prefix is the
    category or the part before its `/`. A family limit caps each member separately: ABRET
    allows at most half the hours from any *one* in-house format, so `in_house/lecture` and
    `in_house/journal_club` are each capped at half, not together."""
    if category in limits:
        return limits[category]
    return limits.get(category.split("/", 1)[0] + "/*")


def cycle_start(req: ContinuingEducation, cred: Credential) -> date:
    """The day before the credential's current cycle (the `period_months` ending on its expiry)."""
    return add_months(cred.expires, -req.period_months)


def count(req: ContinuingEducation, entries: list[CEEntry]) -> tuple[dict[str, float], float,
                                                                      list[str]]:
    """Hours earned by category, the hours that count after the category limits, and a note
    for each category capped."""
    by_category: dict[str, float] = {}
    for x in entries:
        by_category[x.category] = by_category.get(x.category, 0) + x.hours
    counted, notes = 0.0, []
    for category, hours in sorted(by_category.items()):
        limit = limit_for(req.limits, category)
        if limit is not None and hours > limit * req.hours:
            cap = limit * req.hours
            notes.append(f"{category}: {hours:g} h earned, at most {cap:g} h count "
                         f"({limit:.0%} of {req.hours:g} h)")
            hours = cap
        counted += hours
    return by_category, counted, notes


def ce_rows(practice: Practice, snap: Snapshot, person: str, day: date) -> list[dict]:
    """Per credential the person holds whose type requires CE: the hours earned up to `day`
    within the credential's current cycle (the `period_months` ending on its expiry), counted
    after category limits (a limit is the largest share of the required hours one category
    may contribute, e.g. ABRET's at most half from journal-article questions; a limit on
    `in_house/*` caps each in-house format on its own, see `limit_for`)."""
    rows = []
    for cred in sorted((c for c in snap.credentials if c.person == person), key=lambda c: c.id):
        t = practice.credential_types.get(cred.type)
        if t is None or t.continuing_education is None:
            continue
        req = t.continuing_education
        start = cycle_start(req, cred)  # exclusive
        entries = [x for x in snap.ce if x.person == person and x.credential == cred.type
                   and start < x.date <= min(day, cred.expires)]
        by_category, counted, notes = count(req, entries)
        rows.append({"type": cred.type, "credential": cred.id, "required": req.hours,
                     "earned": sum(by_category.values()), "counted": counted,
                     "missing": max(0.0, req.hours - counted),
                     "from": date.fromordinal(start.toordinal() + 1).isoformat(),
                     "to": cred.expires.isoformat(), "notes": notes})
    return rows


@dataclass(frozen=True)
class CEShortfall:
    """A credential whose cycle ends within one of its type's alert stages (months) with fewer
    hours counted than required. `room` is, per limited category, how many more hours may
    still count (for a family `x/*`, how many each member may bring)."""

    person: str
    credential: str
    type: str
    required: float
    counted: float
    cycle_end: date
    stage: int  # months: the smallest alert stage the cycle's end falls within
    last_stage: bool  # the managers are told too
    room: dict[str, float] = field(default_factory=dict)

    @property
    def missing(self) -> float:
        return max(0.0, self.required - self.counted)

    def needs(self, type_name: str) -> str:
        """"19 CE hours still needed for CNIM by 2028-12-31 (31 of 50 h count; article: at
        most 0 h more; each in_house format: up to 25 h)"."""
        room = "; ".join(
            f"each {key[:-2]} format: up to {hours:g} h" if key.endswith("/*")
            else f"{key}: at most {hours:g} h more" for key, hours in self.room.items())
        return (f"{self.missing:g} CE hours still needed for {type_name} by "
                f"{self.cycle_end.isoformat()} ({self.counted:g} of {self.required:g} h count"
                + (f"; {room})" if room else ")"))

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.person, "credential": self.credential, "type": self.type,
                "required": self.required, "counted": self.counted, "missing": self.missing,
                "cycle_end": self.cycle_end.isoformat(), "stage_months": self.stage,
                "room": dict(self.room)}


def shortfalls(practice: Practice, snap: Snapshot, day: date) -> tuple[CEShortfall, ...]:
    """Every active credential short of CE hours with its cycle's end within an alert stage of
    `day` (a lapsed credential is the `lapsed` alert's business, not this one's)."""
    ce: dict[tuple[str, str], list[CEEntry]] = {}
    for x in snap.ce:
        ce.setdefault((x.person, x.credential), []).append(x)
    found = []
    stage_ends: dict[int, date] = {}  # months -> `day` + months, the same for every credential
    for cred in snap.credentials:
        t = practice.credential_types.get(cred.type)
        if t is None or t.continuing_education is None or cred.expires < day \
                or cred.status != "active":  # revoked, or the renewal is already submitted
            continue
        req = t.continuing_education
        for m in req.alert_months:
            if m not in stage_ends:
                stage_ends[m] = add_months(day, m)
        stages = [m for m in req.alert_months if cred.expires <= stage_ends[m]]
        if not stages:
            continue
        start = cycle_start(req, cred)
        entries = [x for x in ce.get((cred.person, cred.type), ())
                   if start < x.date <= min(day, cred.expires)]
        by_category, counted, _ = count(req, entries)
        if counted >= req.hours:
            continue
        room = {}
        for key, share in sorted(req.limits.items()):
            if key.endswith("/*"):
                room[key] = share * req.hours
            else:
                room[key] = max(0.0, share * req.hours - by_category.get(key, 0.0))
        found.append(CEShortfall(cred.person, cred.id, cred.type, req.hours, counted,
                                 cred.expires, min(stages), min(stages) == min(req.alert_months),
                                 room))
    return tuple(sorted(found, key=lambda s: (s.person, s.cycle_end, s.credential)))
