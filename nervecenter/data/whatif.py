"""What if, rendered for people (a table) and machines (JSON: `WhatIf.as_dict()`, docs/contract.md)."""

from __future__ import annotations

from nervecenter.core.model import Practice
from nervecenter.data import jsontext
from nervecenter.rules.whatif import WhatIf


def render(result: WhatIf, practice: Practice, fmt: str, name=None) -> str:
    """`name` turns a person id into a display name (default: the id)."""
    if fmt == "json":
        return jsontext.dumps(result.as_dict())
    name = name or (lambda pid: pid)
    change = result.change.as_dict(result.as_of)
    said = "; ".join(f"{k} {v}" for k, v in change.items())
    out = [f"What if: {said} (as of {result.as_of.isoformat()}). Nothing is written."]
    out.append("")
    out.append(f"Cases that change ({len(result.changes)}):")
    for c in result.changes:
        case = c.after.case
        out.append(f"  {c.case}  {case.start:%Y-%m-%d %H:%M}  {case.facility}"
                   f"{'  ' + case.procedure if case.procedure else ''}: "
                   f"{c.before.outcome} -> {c.after.outcome}")
        for p in c.after.problems:
            out.append(f"      {p.reason}: {p.detail}")
        if c.before.backups != c.after.backups:
            out.append("      backups: " + (", ".join(map(name, c.before.backups)) or "none")
                       + " -> " + (", ".join(map(name, c.after.backups)) or "none"))
    if not result.changes:
        out.append("  none")
    out.append("")
    out.append(f"Coverage weeks whose flag changes ({len(result.coverage)}):")
    for w in result.coverage:
        before = f"{w.before.flag} ({len(w.before.cleared)} cleared)" if w.before else "-"
        after = f"{w.after.flag} ({len(w.after.cleared)} cleared)" if w.after else "-"
        out.append(f"  {result.names.get(w.facility, w.facility)}, {w.role}s ({w.cases_of}), "
                   f"week of {w.week.isoformat()}: {before} -> {after}")
    if not result.coverage:
        out.append("  none")
    return "\n".join(out)
