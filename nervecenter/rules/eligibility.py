"""Who could work at a facility: each person tried on a hypothetical case there."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from nervecenter.core.model import Case, Person, Practice, Snapshot
from nervecenter.rules.evaluate import evaluate

_NOBODY = "\x00nobody"  # a technologist id no person has, so a trial case for a reader is staffed


def cleared_at(practice: Practice, snapshot: Snapshot, facility_id: str, days: list[date],
               people: list[Person], on: date) -> set[str]:
    """Ids of `people` who would be cleared, in their own role, for a case at the facility at
    noon (facility time) on every one of `days`. Procedure-specific rules (`when:`) are not
    counted: the hypothetical case has no procedure."""
    tz = ZoneInfo(practice.facilities[facility_id].timezone)
    trial = []
    for p in people:
        for d in days:
            start = datetime.combine(d, time(12, 0), tz)
            if p.role == "technologist":
                trial.append(Case(f"trial:{p.id}:{d}", facility_id, start, technologist=p.id))
            else:
                trial.append(Case(f"trial:{p.id}:{d}", facility_id, start,
                                  technologist=_NOBODY, reader=p.id))
    ev = evaluate(practice, Snapshot(snapshot.people, snapshot.credentials, snapshot.ce,
                                     tuple(trial)), on, start=min(days), end=max(days))
    failed = {c.case.id.split(":")[1] for c in ev.clearances
              if any(pr.person not in (None, _NOBODY) for pr in c.problems)}
    return {p.id for p in people} - failed
