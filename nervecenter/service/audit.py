"""The auditor's packet for one facility, from the engine: every case there in a period with
its outcome and problems exactly as `nervecenter cases --on <its day>` gives them, then the
credential file of each person who worked those cases.

    doc = packet(ws, "ochsner-main", start, end, on)   # the JSON form; data/audit.py renders it
"""

from __future__ import annotations

import difflib
from datetime import date, timedelta

from nervecenter.core.dates import add_months
from nervecenter.core.errors import NerveCenterError
from nervecenter.rules.schedule import case_day
from nervecenter.rules.standing import standings
from nervecenter.service.actions import SCREENING_TYPE
from nervecenter.service.workspace import Workspace


def default_period(on: date) -> tuple[date, date]:
    """The 12 months up to `on`: from the day after the same date a year earlier."""
    return add_months(on, -12) + timedelta(days=1), on


def packet(ws: Workspace, facility_id: str, start: date | None = None, end: date | None = None,
           on: date | None = None) -> dict:
    """The packet as a JSON document: `facility`, `from`, `to`, `as_of`, `cases`, `people`."""
    facilities = ws.practice.facilities
    if facility_id not in facilities:
        close = difflib.get_close_matches(facility_id, list(facilities), n=1)
        raise NerveCenterError(f"unknown facility {facility_id!r}"
                               + (f" (did you mean {close[0]!r}?)" if close else "")
                               + "; the facilities are " + ", ".join(sorted(facilities)))
    ws.sync_sources()
    day = ws.today(on)
    first, last = default_period(day)
    start, end = start or first, end or last
    if start > end:
        raise NerveCenterError(f"--from {start} is after --to {end}")
    here = [c for c in ws.snapshot(day).cases
            if c.facility == facility_id and start <= case_day(c) <= end]
    cases = []
    for d in sorted({case_day(c) for c in here}):
        # the screenings need d's whole snapshot: read first, the evaluation reuses it
        screened = {c.person: c for c in ws.snapshot(d).credentials
                    if c.type == SCREENING_TYPE}
        # the question `cases --on d` answers, from the credentials in force on d
        evaluation = ws.evaluate(d, start=d, end=d, due=False, conflicts=False, sync=False)
        for clearance in evaluation.clearances:
            c = clearance.case
            if c.facility == facility_id:
                cases.append({"id": c.id, "day": d.isoformat(), "technologist": c.technologist,
                              "reader": c.reader, "outcome": clearance.outcome,
                              "problems": [p.as_dict() for p in clearance.problems],
                              "exclusion_screening": {
                                  role: _screening(screened.get(pid), d)
                                  for role, pid in (("technologist", c.technologist),
                                                    ("reader", c.reader)) if pid}})
    return {"facility": facility_id, "from": start.isoformat(), "to": end.isoformat(),
            "as_of": day.isoformat(), "cases": cases, "people": _people(ws, here, day)}


def _screening(cred, day: date) -> dict | None:
    """The exclusion screening in force on a case's day: when, until, and the file it read."""
    if cred is None or cred.issued is None or cred.issued > day:
        return None
    return {"screened_on": cred.issued.isoformat(), "valid_through": cred.expires.isoformat(),
            "current": day <= cred.expires,
            "verification": cred.verified.method if cred.verified else ""}


def _people(ws: Workspace, cases: list, day: date) -> list[dict]:
    """Each person who worked the cases: every credential required of them there, on `day`."""
    snapshot = ws.snapshot(day)
    worked: dict[tuple[str, str], list] = {}
    for case in cases:
        for role, pid in (("technologist", case.technologist), ("reader", case.reader)):
            if pid:
                worked.setdefault((pid, role), []).append(case)
    hashes = {(cid, path): sha for cid, path, sha in ws.store.document_rows()}
    rows = []
    for (pid, role), theirs in sorted(worked.items()):
        person = snapshot.people.get(pid)
        for s in standings(ws.practice, snapshot, pid, role, theirs, day):
            cred = s.credential
            req = s.requirement
            when = ", ".join(f"{k} in {'/'.join(v)}" for k, v in req.when.items())
            rows.append({
                "person": pid, "name": person.name if person else pid, "role": role,
                "cases": len(theirs), "last_case": max(map(case_day, theirs)).isoformat(),
                "type": s.type, "scope": s.scope or "",
                "requirement": req.source + (f" (when {when})" if when else "")
                + (" (any of " + "/".join(req.any_of) + ")" if req.any_of else ""),
                "status": s.status,
                "number": (cred.number or "") if cred else "",
                "issuer": (cred.issuer or "") if cred else "",
                "issued": cred.issued.isoformat() if cred and cred.issued else "",
                "expires": cred.expires.isoformat() if cred else "",
                "verified_on": cred.verified.on.isoformat() if cred and cred.verified else "",
                "verified_by": cred.verified.by if cred and cred.verified else "",
                "documents": "; ".join(f"{d} (sha256 {hashes.get((cred.id, d)) or 'unknown'})"
                                       for d in (cred.documents if cred else ()))})
    return rows
