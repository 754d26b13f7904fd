"""Evaluations rendered for people (aligned tables) and machines (JSON, CSV).

The JSON documents are those of docs/contract.md (`as_of` and `items` / `cases` / `conflicts`); the
CLI prints them and the web API returns them, so both always agree.

    doc = status_json(evaluation, within=90)            # a dict, ready for json.dumps
    text = render_status(evaluation, practice, "table", within=90, color=False)

Rendering makes tens of thousands of dicts and strings without cycles, beside an evaluation of a
million objects: the cyclic collector is paused meanwhile (its passes would walk them all).
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any

import click

from nervecenter.core.model import Practice
from nervecenter.data import jsontext
from nervecenter.rules.explain import Explainer
from nervecenter.rules.results import Clearance, Conflict, DueDate, Evaluation
from nervecenter.store.collector import paused

WIDTH = 100
OUTCOME_COLORS = {"cleared": "green", "warning": "yellow", "blocked": "red", "unstaffed": "magenta"}
OUTCOMES = tuple(OUTCOME_COLORS)


# ---------------------------------------------------------------- selections (the listings' filters)


def due_items(ev: Evaluation, within: int = 90, person: str | None = None,
              page: slice | None = None) -> list[DueDate]:
    """Credentials due within `within` days (lapsed ones included), by person and due date;
    with `page`, only those positions of the list (found without building the rest)."""
    return _cut((d for d in ev.due_dates
                 if d.days_left <= within and (person is None or d.credential.person == person)),
                page)


def clearances(ev: Evaluation, start: date | None = None, end: date | None = None,
               case: str | None = None, outcome: str | None = None,
               page: slice | None = None) -> list[Clearance]:
    """The evaluation's clearances, optionally only those of a date range, a case, an outcome
    (and with `page`, only those positions)."""
    return _cut((c for c in ev.clearances
                 if (start is None or c.case.start.date() >= start)
                 and (end is None or c.case.start.date() <= end)
                 and (case is None or c.case.id == case)
                 and (outcome is None or c.outcome == outcome)), page)


def conflicts(ev: Evaluation, type_id: str | None = None,
              page: slice | None = None) -> list[Conflict]:
    return _cut((c for c in ev.conflicts if type_id is None or c.type == type_id), page)


def _cut(chosen: Iterator, page: slice | None) -> list:
    return list(chosen if page is None else islice(chosen, page.start, page.stop))


# ---------------------------------------------------------------- JSON documents


def status_json(ev: Evaluation, within: int = 90, person: str | None = None, *,
                items: list[DueDate] | None = None) -> dict[str, Any]:
    """The document of `status --format json`; `items`: the due dates to list instead of all
    of them (the API's page)."""
    chosen = due_items(ev, within, person) if items is None else items
    return {"as_of": ev.as_of.isoformat(),
            "items": [d.as_dict() for d in chosen],
            "ce_shortfalls": [s.as_dict() for s in ev.ce_shortfalls
                              if person is None or s.person == person]}


def cases_json(ev: Evaluation, *, items: list[Clearance] | None = None,
               **filters) -> dict[str, Any]:
    chosen = clearances(ev, **filters) if items is None else items
    return {"as_of": ev.as_of.isoformat(), "cases": [c.as_dict() for c in chosen]}


def conflicts_json(ev: Evaluation, type_id: str | None = None, *,
                   items: list[Conflict] | None = None) -> dict[str, Any]:
    chosen = conflicts(ev, type_id) if items is None else items
    return {"as_of": ev.as_of.isoformat(), "conflicts": [c.as_dict() for c in chosen]}


def to_json(doc: dict[str, Any]) -> str:
    return jsontext.dumps(doc)


# ---------------------------------------------------------------- the three commands' output


STATUS_CSV = ["person", "name", "credential", "type", "scope", "expires", "due", "due_reason",
              "days_left", "stage", "status", "cases"]


def status_csv_rows(ev: Evaluation, items: Iterable[DueDate]) -> Iterator[dict[str, Any]]:
    return ({**d.as_dict(), "name": _name(ev, d.credential.person), "cases": " ".join(d.cases)}
            for d in items)


@paused()
def render_status(ev: Evaluation, practice: Practice, fmt: str, *, within: int = 90,
                  person: str | None = None, color: bool = False) -> str:
    if fmt == "json":
        return to_json(status_json(ev, within, person))
    items = due_items(ev, within, person)
    if fmt == "csv":
        return csv_text(STATUS_CSV, status_csv_rows(ev, items))
    ex = Explainer(practice, ev.people)
    who = f" for {_name(ev, person)}" if person else ""
    title = f"As of {ev.as_of}: {counted(len(items), 'credential')} due within {within} days{who}"
    short = [s for s in ev.ce_shortfalls if person is None or s.person == person]
    ce_lines = ["", "CE short of the requirement"] if short else []
    for s in short:
        ce_lines += textwrap.wrap(f"{_name(ev, s.person)} ({s.person}): "
                                  + s.needs(ex.type_name(s.type)), WIDTH, initial_indent="  ",
                                  subsequent_indent="    ")
    if not items:
        return "\n".join([title + "."] + ce_lines)
    lines = [title + ":"]
    current = None
    for d in items:
        c = d.credential
        if c.person != current:
            current = c.person
            lines += ["", f"{_name(ev, c.person)} ({c.person})",
                      "  DUE          LEFT  STAGE     CREDENTIAL"]
        kind = practice.credential_types[c.type].scope if c.type in practice.credential_types \
            else "person"
        stage = f"{_stage(d):<8}"
        if color and _stage_color(d):
            stage = click.style(stage, fg=_stage_color(d), bold=True)
        first, *more = _wrap(ex.credential(c.type, kind, c.scope), WIDTH - 33)
        lines.append(f"  {d.due}  {d.days_left:>5}  {stage}  {first}")
        lines += [" " * 33 + m for m in more]
        note = []
        if d.due_reason:
            note.append(f"due before its expiry on {c.expires}, because of {d.due_reason}")
        if c.status != "active":
            note.append(c.status.replace("_", " "))
        if d.cases:
            note.append(f"endangers {', '.join(d.cases)}")
        if note:
            lines += textwrap.wrap("; ".join(note), WIDTH, initial_indent=" " * 33,
                                   subsequent_indent=" " * 33)
    return "\n".join(lines + ce_lines)


@paused()
def render_cases(ev: Evaluation, practice: Practice, fmt: str, *, color: bool = False,
                 **filters) -> str:
    if fmt == "json":
        return to_json(cases_json(ev, **filters))
    chosen = clearances(ev, **filters)
    if fmt == "csv":
        return csv_text(CASES_CSV, cases_csv_rows(chosen))
    counts = Counter(c.outcome for c in chosen)
    summary = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])
    title = f"As of {ev.as_of}: {counted(len(chosen), 'case')}" + (f" ({summary})" if summary else "")
    blocks = [title + ("." if not chosen else ":")]
    for c in chosen:
        case = c.case
        staff = [f"technologist {_name(ev, case.technologist)}" if case.technologist
                 else "no technologist assigned"]
        if case.reader:
            staff.append(f"reader {_name(ev, case.reader)}")
        facility = practice.facilities.get(case.facility)
        where = facility.name if facility else case.facility
        head = (f"{case.id}  {case.start:%a %Y-%m-%d %H:%M}  {where}"
                f"{'  ' + case.procedure if case.procedure else ''}")
        verdict = c.outcome.upper()
        if color:
            verdict = click.style(verdict, fg=OUTCOME_COLORS[c.outcome], bold=True)
        first, *more = _wrap(head, WIDTH - 11)
        lines = [f"{first}  {verdict}", *("    " + m for m in more), f"  {', '.join(staff)}"]
        for p in c.problems:
            lines += textwrap.wrap(p.detail, WIDTH, initial_indent="  - ",
                                   subsequent_indent="    ")
        if c.outcome != "cleared":
            backups = ", ".join(f"{_name(ev, b)} ({b})" for b in c.backups) or \
                "nobody qualified and free"
            lines += textwrap.wrap(f"backups: {backups}", WIDTH, initial_indent="  ",
                                   subsequent_indent="    ")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


CASES_CSV = ["id", "facility", "start", "end", "procedure", "technologist", "reader", "outcome",
             "person", "role", "type", "reason", "source", "detail", "backups"]


def cases_csv_rows(chosen: Iterable[Clearance]) -> Iterator[dict[str, Any]]:
    """One row per problem of each case (a cleared case: one row without problem columns)."""
    for c in chosen:
        base = {k: v for k, v in c.as_dict().items() if k not in ("problems", "backups")}
        base["backups"] = " ".join(c.backups)
        for p in c.problems or [None]:
            yield {**base, **(p.as_dict() if p else {})}


@paused()
def render_conflicts(ev: Evaluation, practice: Practice, fmt: str, *,
                     type_id: str | None = None, color: bool = False) -> str:
    if fmt == "json":
        return to_json(conflicts_json(ev, type_id))
    chosen = conflicts(ev, type_id)
    if fmt == "csv":
        return csv_text(["type", "attribute", "facility", "value", "affected"],
                    [{"type": c.type, "attribute": c.attribute, "facility": f,
                      "value": _value(v, csv_form=True), "affected": " ".join(c.affected)}
                     for c in chosen for f, v in c.values.items()])
    title = (f"As of {ev.as_of}: {counted(len(chosen), 'difference')} between facilities' "
             f"requirements")
    if not chosen:
        return title + "."
    ex = Explainer(practice, ev.people)
    blocks = [title + ":"]
    for c in chosen:
        head = f"{ex.type_name(c.type)} ({c.type}): {ATTRIBUTE_WORDS.get(c.attribute, c.attribute)}"
        if color:
            head = click.style(head, bold=True)
        lines = [head]
        for f, v in c.values.items():
            first, *more = _wrap(ex.facility_name(f), 44)
            lines.append(f"  {first:<44}  {_value(v, c.attribute)}")
            lines += ["    " + m for m in more]
        affected = ", ".join(_name(ev, p) for p in c.affected) or "nobody"
        lead = ("not valid today, so blocked at some and only warned at others"
                if c.attribute == "enforcement"
                else "good enough for the most lenient, not for the strictest")
        lines += textwrap.wrap(f"{lead}: {affected}", WIDTH, initial_indent="  ",
                               subsequent_indent="    ")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


ATTRIBUTE_WORDS = {
    "max_age_months": "how recently it must have been issued (max_age_months)",
    "valid_days_after_case": "how long it must stay valid after the case (valid_days_after_case)",
    "issuers": "accepted issuers (issuers)",
    "any_of": "accepted alternatives (any_of)",
    "enforcement": "what an unmet requirement does (enforcement)",
}


# ---------------------------------------------------------------- helpers


def _name(ev: Evaluation, person_id: str | None) -> str:
    if person_id is None:
        return ""
    p = ev.people.get(person_id)
    return p.name if p else person_id


def counted(n: int, word: str, plural: str | None = None) -> str:
    """'1 case', '2 cases'; `plural` where adding an s is wrong ('1 delivery', '2 deliveries')."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _stage(d: DueDate) -> str:
    if d.overdue:
        return d.overdue
    return "-" if d.stage is None else str(d.stage)


def _stage_color(d: DueDate) -> str | None:
    if d.days_left <= 7:
        return "red"
    if d.stage is not None and d.stage <= 30:
        return "yellow"
    return None


def _value(v: Any, attribute: str = "", csv_form: bool = False) -> str:
    if csv_form:
        return "" if v is None else " ".join(v) if isinstance(v, list) else str(v)
    if v is None:
        return "no limit" if attribute != "issuers" else "any issuer"
    if isinstance(v, list):
        return " or ".join(v)
    if attribute == "max_age_months":
        return f"within {v} months"
    if attribute == "valid_days_after_case":
        return f"{v} days after"
    if attribute == "enforcement":
        return {"block": "blocks the case", "warn": "warns only"}.get(v, v)
    return str(v)


def _wrap(text: str, width: int) -> list[str]:
    """A name on as many lines as it needs (never cut: a cut name can be the wrong one)."""
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def csv_text(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    """CSV of the given columns (None as empty, lists space-separated, no formulas to run)."""
    return "".join(csv_chunks(columns, rows)).rstrip("\n")


def csv_chunks(columns: list[str], rows: Iterable[dict[str, Any]],
               size: int = 500) -> Iterator[str]:
    """The same CSV, `size` rows at a time (each ending in a newline), for a streamed answer."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for n, row in enumerate(rows, 1):
        w.writerow({k: _cell(row.get(k)) for k in columns})
        if n % size == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _cell(v: Any):
    from nervecenter.data.export import inert

    if v is None:
        return ""
    return inert(" ".join(map(str, v)) if isinstance(v, list | tuple) else v)


def table_text(columns: list[str], rows: list[list[Any]]) -> list[str]:
    """Plain aligned columns, a header line first (None as empty)."""
    return list(table_lines(columns, lambda: rows))


def table_lines(columns: list[str], rows: Callable[[], Iterable[list[Any]]]) -> Iterator[str]:
    """table_text's lines one at a time; `rows()` is iterated twice (the widths, then the
    lines), so that a long table (a first run's 63,000 alerts) is never held whole."""
    widths = [len(c) for c in columns]
    for row in rows():
        widths = [max(w, len("" if v is None else str(v))) for w, v in zip(widths, row)]
    yield "  ".join(v.ljust(w) for v, w in zip(columns, widths)).rstrip()
    for row in rows():
        yield "  ".join(("" if v is None else str(v)).ljust(w)
                        for v, w in zip(row, widths)).rstrip()
