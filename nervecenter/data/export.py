"""`nervecenter export`: people, credentials (the versions in force on a date, in the
spreadsheet layout `import` reads), CE entries and cases as CSV files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from nervecenter.core.model import Practice, Snapshot
from nervecenter.data.roster import CASE_COLUMNS

ROSTER_HEADER = ["person", "name", "role", "type", "state", "facility", "number", "issuer",
                 "issued", "expires", "status", "verified_on", "verified_by", "verified_method",
                 "documents", "version"]


def to_csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[inert(v) for v in row] for row in rows])
    return out.getvalue()


def inert(value):
    """A cell a spreadsheet will not run as a formula: text starting with = @ tab CR, or + -
    not followed by a digit, gets a leading ' (which `import` removes again)."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "=@\t\r" or (value[0] in "+-" and not value[1:2].isdigit()):
        return "'" + value
    return value

def export_csv(practice: Practice, snap: Snapshot, out: Path) -> list[tuple[Path, int]]:
    """people.csv, credentials.csv (the import layout), ce.csv and cases.csv in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    people = sorted(snap.people.values(), key=lambda p: p.id)
    files = {
        "people.csv": (["id", "name", "role", "home_state", "email", "phone", "npi"],
                       [[p.id, p.name, p.role, p.home_state or "", p.email or "", p.phone or "",
                         p.npi or ""] for p in people]),
        "credentials.csv": (ROSTER_HEADER, [
            [c.person, snap.people[c.person].name, snap.people[c.person].role, c.type,
             c.scope if scope_of(practice, c.type) == "state" else "",
             c.scope if scope_of(practice, c.type) == "facility" else "",
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
        path.write_text(to_csv(header, rows), encoding="utf-8")
        written.append((path, len(rows)))
    return written


def scope_of(practice: Practice, type_id: str) -> str:
    t = practice.credential_types.get(type_id)
    return t.scope if t else "person"


# ---------------------------------------------------------------- audit packet
