"""Coverage ahead rendered for people (a table per facility) and machines (JSON, CSV).

The JSON is `Coverage.as_dict()` (docs/contract.md); the CLI prints it and the API returns it.
"""

from __future__ import annotations

import csv
import io

import click

from nervecenter.data import jsontext
from nervecenter.rules.coverage import Coverage, Week

FLAG_COLORS = {"short": "red", "thin": "yellow", "ok": "green"}
CSV_COLUMNS = ("facility", "cases_of", "role", "week", "cleared", "renewal_submitted",
               "cases", "peak", "flag")


def render(cov: Coverage, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return jsontext.dumps(cov.as_dict())
    if fmt == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for f, label, role, weeks in cov.lines():
            for wk in weeks:
                w.writerow([f.id, label, role, wk.week.isoformat(), " ".join(wk.cleared),
                            " ".join(wk.renewal_submitted), wk.cases, wk.peak, wk.flag])
        return out.getvalue().rstrip("\n")
    return _table(cov, color)


def _who(wk: Week) -> str:
    who = ", ".join(wk.cleared) or "nobody"
    if wk.renewal_submitted:
        who += f" (renewal submitted: {', '.join(wk.renewal_submitted)})"
    return who


def _table(cov: Coverage, color: bool) -> str:
    out = [f"Coverage ahead from {cov.as_of.isoformat()}, {cov.weeks} weeks (week = its Monday)"]
    current = None
    for f, label, role, weeks in cov.lines():
        if f is not current:
            current = f
            out.append("")
            out.append(f"{f.name} ({f.id})")
        out.append(f"  {role}, {label}")
        out.append(f"    {'week':<10}  {'cleared':>7}  {'cases':>5}  {'peak':>4}  {'flag':<5}  who")
        for wk in weeks:
            flag = f"{wk.flag:<5}"
            if color:
                flag = click.style(flag, fg=FLAG_COLORS[wk.flag])
            out.append(f"    {wk.week.isoformat():<10}  {len(wk.cleared):>7}  {wk.cases:>5}  "
                       f"{wk.peak:>4}  {flag}  {_who(wk)}")
    return "\n".join(out)
