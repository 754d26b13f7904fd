"""The listings that are not evaluations — `ce`, `users list`, `export`'s summary — as a table
(the text people read), JSON or CSV (docs/contract.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from nervecenter.data.report import csv_text, to_json

CE_COLUMNS = ["type", "credential", "required", "earned", "counted", "missing", "from", "to",
              "notes"]
USER_COLUMNS = ["name", "role", "person"]
EXPORT_COLUMNS = ["file", "rows"]


def render_ce(rows: list[dict], person: str, day: date, fmt: str) -> str:
    """Per credential with a CE requirement: the hours of its current cycle (`rules.ce.ce_rows`)."""
    if fmt == "json":
        return to_json({"as_of": day.isoformat(), "person": person, "items": rows})
    if fmt == "csv":
        hours = ("required", "earned", "counted", "missing")
        return csv_text(CE_COLUMNS, [{**r, **{k: f"{r[k]:g}" for k in hours},
                                      "notes": "; ".join(r["notes"])} for r in rows])
    if not rows:
        return f"{person} holds no credential with a continuing-education requirement"
    lines = []
    for r in rows:
        lines.append(f"{r['type']}: {r['counted']:g} of {r['required']:g} h counted for the cycle "
                     f"{r['from']} to {r['to']} ({r['earned']:g} h earned by {day})"
                     + ("" if r["counted"] >= r["required"] else f", {r['missing']:g} h to go"))
        lines.extend(f"  {note}" for note in r["notes"])
    return "\n".join(lines)


def render_users(users, fmt: str) -> str:
    """The web's users: name, role (manager or person) and the person a `person` user is."""
    rows = [{"name": u.name, "role": u.role, "person": u.person} for u in users]
    if fmt == "json":
        return to_json({"users": rows})
    if fmt == "csv":
        return csv_text(USER_COLUMNS, rows)
    if not rows:
        return "No users yet: add one with `nervecenter users add NAME --role manager`."
    return "\n".join("\t".join((r["name"], r["role"], r["person"] or "")).rstrip("\t")
                     for r in rows)


def render_export(written: list[tuple[Path, int]], day: date, fmt: str) -> str:
    """What `export` wrote: each file and its rows (the header not counted)."""
    rows = [{"file": str(path), "rows": n} for path, n in written]
    if fmt == "json":
        return to_json({"as_of": day.isoformat(), "files": rows})
    if fmt == "csv":
        return csv_text(EXPORT_COLUMNS, rows)
    return "\n".join(f"{r['file']}: {r['rows']} rows" for r in rows)
