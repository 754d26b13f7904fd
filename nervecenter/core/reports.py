"""What the data commands print: the CSV export, the facility audit packet, CE hours.

All of it is computed from a Practice and a Snapshot (plus the store for document hashes);
nothing here writes to the database.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from pathlib import Path

from nervecenter.core.dates import add_months
from nervecenter.core.model import Practice, Snapshot
from nervecenter.core.roster import CASE_COLUMNS

ROSTER_HEADER = ["person", "name", "role", "type", "state", "facility", "number", "issuer",
                 "issued", "expires", "status", "verified_on", "verified_by", "verified_method",
                 "documents", "version"]


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def export_csv(practice: Practice, snap: Snapshot, out: Path) -> list[tuple[Path, int]]:
    """people.csv, credentials.csv (the import layout), ce.csv and cases.csv in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    people = sorted(snap.people.values(), key=lambda p: p.id)
    files = {
        "people.csv": (["id", "name", "role", "home_state", "email", "phone"],
                       [[p.id, p.name, p.role, p.home_state or "", p.email or "", p.phone or ""]
                        for p in people]),
        "credentials.csv": (ROSTER_HEADER, [
            [c.person, snap.people[c.person].name, snap.people[c.person].role, c.type,
             c.scope if _scope(practice, c.type) == "state" else "",
             c.scope if _scope(practice, c.type) == "facility" else "",
             c.number or "", c.issuer or "", c.issued or "", c.expires, c.status,
             c.verified.on if c.verified else "", c.verified.by if c.verified else "",
             c.verified.method if c.verified else "", ";".join(c.documents), c.version]
            for c in sorted(snap.credentials, key=lambda c: c.id)]),
        "ce.csv": (["person", "credential", "date", "hours", "category", "provider"],
                   [[e.person, e.credential, e.date, f"{e.hours:g}", e.category, e.provider]
                    for e in sorted(snap.ce, key=lambda e: (e.person, e.date, e.credential))]),
    }
    extra = sorted({k for c in snap.cases for k in c.fields})
    files["cases.csv"] = (list(CASE_COLUMNS) + extra, [
        [c.id, c.facility, c.start.isoformat(timespec="minutes"),
         c.end.isoformat(timespec="minutes") if c.end else "", c.procedure or "",
         c.technologist or "", c.reader or ""] + [c.fields.get(k, "") for k in extra]
        for c in sorted(snap.cases, key=lambda c: (c.start, c.id))])
    written = []
    for name, (header, rows) in files.items():
        path = out / name
        path.write_text(_csv(header, rows), encoding="utf-8")
        written.append((path, len(rows)))
    return written


def _scope(practice: Practice, type_id: str) -> str:
    t = practice.credential_types.get(type_id)
    return t.scope if t else "person"


# ---------------------------------------------------------------- audit packet

AUDIT_HEADER = ["person", "name", "role", "cases", "last_case", "type", "scope", "requirement",
                "status", "number", "issuer", "issued", "expires", "verified_on", "verified_by",
                "documents"]


def _status_on(cred, day: date, max_age_months: int | None) -> str:
    if cred is None:
        return "missing"
    if cred.status == "revoked":
        return "revoked"
    if cred.issued and cred.issued > day:
        return "not_yet_valid"
    if cred.expires < day:
        return "expired"
    if max_age_months and cred.issued and day > add_months(cred.issued, max_age_months):
        return "too_old"
    return "valid" if cred.status == "active" else "valid (renewal_submitted)"


def audit_rows(practice: Practice, store, snap: Snapshot, facility_id: str, day: date) -> list[dict]:
    """One row per (person who worked at the facility up to `day`, credential type required of
    them there): the credential in force on `day`, its status then, documents with SHA-256.
    A requirement with `when:` counts for a person when one of their cases there matched it."""
    facility = practice.facilities[facility_id]
    requirements = list(facility.requirements)
    state_rules = practice.states.get(facility.state)
    if state_rules:
        requirements += list(state_rules.requirements)
    worked: dict[str, list] = {}
    for case in snap.cases:
        if case.facility != facility_id or case.start.date() > day:
            continue
        for pid in (case.technologist, case.reader):
            if pid:
                worked.setdefault(pid, []).append(case)
    held = {c.id: c for c in snap.credentials}
    hashes = {(cid, path): sha for cid, path, sha in store.document_rows()}
    rows = []
    for pid in sorted(worked):
        person = snap.people.get(pid)
        if person is None:
            continue
        seen = set()
        for req in requirements:
            if not req.applies_to(person.role) or not req.types:
                continue
            if req.when and not any(_matches(req, c) for c in worked[pid]):
                continue  # e.g. ACLS for cranial cases, and this person had none here
            types = list(req.types)
            if len(types) > 1:  # any_of: the alternatives held, or all of them as missing
                types = [t for t in types if _cid(pid, t, practice, req, facility) in held] \
                    or ["/".join(types)]
            for type_id in types:
                scope_kind = _scope(practice, type_id)
                scope = (req.state or facility.state) if scope_kind == "state" else \
                    (req.facility or facility_id) if scope_kind == "facility" else None
                if (type_id, scope) in seen:
                    continue
                seen.add((type_id, scope))
                cid = f"{pid}:{type_id}:{scope}" if scope else f"{pid}:{type_id}"
                cred = held.get(cid)
                docs = [f"{d} (sha256 {hashes.get((cid, d)) or 'unknown'})"
                        for d in (cred.documents if cred else ())]
                when = ", ".join(f"{k} in {'/'.join(v)}" for k, v in req.when.items())
                rows.append({
                    "person": pid, "name": person.name, "role": person.role,
                    "cases": len(worked[pid]),
                    "last_case": max(c.start.date() for c in worked[pid]).isoformat(),
                    "type": type_id, "scope": scope or "",
                    "requirement": req.source + (f" (when {when})" if when else "")
                    + (" (any of " + "/".join(req.any_of) + ")" if req.any_of else ""),
                    "status": _status_on(cred, day, req.max_age_months),
                    "number": (cred.number or "") if cred else "",
                    "issuer": (cred.issuer or "") if cred else "",
                    "issued": cred.issued.isoformat() if cred and cred.issued else "",
                    "expires": cred.expires.isoformat() if cred else "",
                    "verified_on": cred.verified.on.isoformat() if cred and cred.verified else "",
                    "verified_by": cred.verified.by if cred and cred.verified else "",
                    "documents": "; ".join(docs)})
    return rows


def _matches(req, case) -> bool:
    return all(case.value(k) in accepted for k, accepted in req.when.items())


def _cid(pid, type_id, practice, req, facility) -> str:
    kind = _scope(practice, type_id)
    scope = (req.state or facility.state) if kind == "state" else \
        (req.facility or facility.id) if kind == "facility" else None
    return f"{pid}:{type_id}:{scope}" if scope else f"{pid}:{type_id}"


def audit_csv(rows: list[dict]) -> str:
    return _csv(AUDIT_HEADER, [[r[k] for k in AUDIT_HEADER] for r in rows])


def audit_html(practice: Practice, facility_id: str, day: date, rows: list[dict]) -> str:
    """A self-contained, printable HTML packet."""
    e = html.escape
    facility = practice.facilities[facility_id]
    body = []
    for pid in dict.fromkeys(r["person"] for r in rows):
        mine = [r for r in rows if r["person"] == pid]
        first = mine[0]
        body.append(f"<h2>{e(first['name'])} <small>({e(pid)}, {e(first['role'])}; "
                    f"{first['cases']} cases, last {e(first['last_case'])})</small></h2>")
        body.append("<table><tr><th>Credential</th><th>Scope</th><th>Required by</th>"
                    "<th>Status</th><th>Number</th><th>Issuer</th><th>Issued</th><th>Expires</th>"
                    "<th>Verified</th><th>Documents</th></tr>")
        for r in mine:
            verified = f"{r['verified_on']} by {r['verified_by']}" if r["verified_on"] else ""
            cls = "ok" if r["status"].startswith("valid") else "bad"
            body.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (
                r["type"], r["scope"], r["requirement"])) +
                f"<td class='{cls}'>{e(r['status'])}</td>" + "".join(
                f"<td>{e(str(v))}</td>" for v in (r["number"], r["issuer"], r["issued"],
                                                  r["expires"], verified, r["documents"]))
                + "</tr>")
        body.append("</table>")
    if not rows:
        body.append("<p>Nobody worked at this facility up to this date.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Credentialing packet: {e(facility.name)} on {day}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:4px;font-size:90%;text-align:left}}
.ok{{color:#060}} .bad{{color:#a00;font-weight:bold}}</style></head>
<body><h1>Credentialing packet: {e(facility.name)} ({e(facility_id)}, {e(facility.state)})</h1>
<p>{e(practice.name)}. Status of each required credential on {day}, for everyone who worked
at this facility up to that date.</p>
{chr(10).join(body)}
</body></html>
"""


# ---------------------------------------------------------------- CE


def ce_rows(practice: Practice, snap: Snapshot, person: str, day: date) -> list[dict]:
    """Per credential the person holds whose type requires CE: the hours earned up to `day`
    within the credential's current cycle (the `period_months` ending on its expiry), counted
    after category limits (a limit is the largest share of the required hours one category
    may contribute, e.g. ABRET's at most half from journal-article questions)."""
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
            limit = req.limits.get(category)
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
