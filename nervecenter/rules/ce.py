"""Continuing-education hours per credential against its type's requirement (`nervecenter ce`)."""

from __future__ import annotations

from datetime import date

from nervecenter.core.dates import add_months
from nervecenter.core.model import Practice, Snapshot


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
        start = add_months(cred.expires, -req.period_months)  # exclusive
        entries = [x for x in snap.ce if x.person == person and x.credential == cred.type
                   and start < x.date <= min(day, cred.expires)]
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
        rows.append({"type": cred.type, "credential": cred.id, "required": req.hours,
                     "earned": sum(by_category.values()), "counted": counted,
                     "missing": max(0.0, req.hours - counted),
                     "from": date.fromordinal(start.toordinal() + 1).isoformat(),
                     "to": cred.expires.isoformat(), "notes": notes})
    return rows


def limit_for(limits: dict[str, float], category: str) -> float | None:
    """The limit on one category: its own key, else a family key `prefix/*` whose prefix is the
    category or the part before its `/`. A family limit caps each member separately: ABRET
    allows at most half the hours from any *one* in-house format, so `in_house/lecture` and
    `in_house/journal_club` are each capped at half, not together."""
    if category in limits:
        return limits[category]
    return limits.get(category.split("/", 1)[0] + "/*")
