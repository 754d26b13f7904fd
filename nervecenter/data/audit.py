"""The auditor's packet for one facility on a date (`nervecenter audit`), as CSV or HTML."""

from __future__ import annotations

import html
from datetime import date

from nervecenter.core.dates import add_months
from nervecenter.core.model import Practice, Snapshot
from nervecenter.data.export import scope_of, to_csv

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
                scope_kind = scope_of(practice, type_id)
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
    kind = scope_of(practice, type_id)
    scope = (req.state or facility.state) if kind == "state" else \
        (req.facility or facility.id) if kind == "facility" else None
    return f"{pid}:{type_id}:{scope}" if scope else f"{pid}:{type_id}"


def audit_csv(rows: list[dict]) -> str:
    return to_csv(AUDIT_HEADER, [[r[k] for k in AUDIT_HEADER] for r in rows])


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
