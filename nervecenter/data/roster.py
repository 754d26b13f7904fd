"""Reading people, credentials, CE entries and cases from the files practices keep.

    people.yaml / cases.yaml          docs/configuration.md (`people:` and/or `cases:`)
    *.csv / *.xlsx                    one row per credential (docs/data.md), or cases, or CE
    *.ics                             cases from a calendar

`read(path, practice, people)` returns a `Batch` of records — plain JSON-able dicts with the
model's field names — each with the line (or row) it came from, plus every problem found. Nothing
is raised for bad rows: the importer collects the problems of all files and writes nothing if any.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nervecenter.core import clock, dates, limits, yamlfile
from nervecenter.core.documents import confine
from nervecenter.core.errors import ConfigError, FileProblem
from nervecenter.core.model import ROLES, STATUSES, Practice, credential_id
from nervecenter.core.states import STATE_NAMES
from nervecenter.data import fastschema, ids, names, yamlparts
from nervecenter.data.case_values import CaseValues
from nervecenter.data.workbook import Uncalculated, Unreadable, Workbook
from nervecenter.store.records import Record

ROSTER_COLUMNS = ("person", "name", "role", "type", "state", "facility", "number", "issuer",
                  "issued", "expires", "status", "home_state", "email", "phone", "npi", "notify", "active", "left", "verified_on",
                  "verified_by", "verified_method", "documents")
PERSON_COLUMNS = ("name", "role", "home_state", "email", "phone", "npi", "notify", "active",
                  "left")
CASE_COLUMNS = ("id", "facility", "start", "end", "procedure", "technologist", "reader")
CE_COLUMNS = ("person", "credential", "date", "hours", "category", "provider")
_SCHEDULE_COLUMNS = frozenset((*CASE_COLUMNS, "date"))  # the rest of a schedule: extra fields
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, with Excel's phantom 1900-02-29


@dataclass
class Batch:
    records: list[Record] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)  # every person id known -> role
    warnings: list[FileProblem] = field(default_factory=list)  # printed; they do not stop it
    refused: dict[str, FileProblem] = field(default_factory=dict)  # id -> their own row's problem
    # (person id, their problem) -> the rows here that name them, left unread (note_waiting)
    waiting: dict[tuple[str, FileProblem], list[tuple[str, int]]] = field(default_factory=dict)
    unknown: list[FileProblem] = field(default_factory=list)  # rows naming no known person
    unreadable: bool = False  # the file could not be read at all (encoding, YAML syntax...)
    case_ids: set[str] = field(default_factory=set)  # every case it gives, refused rows too

    def of(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]


class _Rows:
    """Collects records and `file:row: column: problem` lines for one file."""

    def __init__(self, name: str, practice: Practice, people: dict[str, str]):
        self.name, self.practice, self.batch = name, practice, Batch()
        self.where = name  # what a problem line names: the file, or `file[Sheet]` in a workbook
        # people whose own row has a problem (here or in another file of the import): rows
        # naming them say nothing more (no "unknown person" or "name is empty" for what that
        # one line already asks to fix); that line says which rows wait for it
        self.refused: dict[str, FileProblem] = {}
        self.people = dict(people)  # id -> role, known so far (database + this file)
        self.seen: dict[tuple[str, str], int] = {}
        self.emails: dict[str, str] = {}  # e-mail -> person id, for .ics attendees
        self.type_names = names.TypeNames(practice.credential_types)
        self._types: dict[str, str | None] = {}  # as written -> type id (a roster repeats a few)
        self.case_values = CaseValues(practice)
        self.case_fields = self.case_values.fields()

    def type_id(self, written: str) -> str | None:
        """The credential type `written` names (names.TypeNames.find, remembered)."""
        found = self._types.get(written, False)
        if found is False:
            found = self._types[written] = self.type_names.find(written)
        return found

    def refuse(self, pid: Any, since: int, defined: bool = True) -> None:
        """`pid`'s own row is refused: by the first problem found since `since` (an index).
        Only a row that `defined` the person (gave a name, a role...) tells the other files:
        a credentials sheet's row for someone not (yet) known is not the person's own."""
        if isinstance(pid, str) and len(self.batch.problems) > since:
            self.refused[pid] = self.batch.problems[since]
            if defined:
                self.batch.refused[pid] = self.refused[pid]
            else:
                self.batch.unknown.append(self.refused[pid])

    def waits(self, pid: str, line: int) -> bool:
        """Whether this row names someone refused; it is then left unread, and counted."""
        if pid not in self.refused:
            return False
        self.batch.waiting.setdefault((pid, self.refused[pid]), []).append((self.where, line))
        return True

    def facility(self, line: int, column: str, word: str) -> str | None:
        """The id of the facility `word` names (its id, or its name as people write it:
        `Tulane Medical Center`); None, with the problem, when it names none."""
        facilities = self.practice.facilities
        if word in facilities:
            return word
        known = {names.normalize(f.name): f.id for f in facilities.values()}
        known.update({names.normalize(f): f for f in facilities})
        found = known.get(names.normalize(word))
        if found is None:
            close = difflib.get_close_matches(names.normalize(word), known, n=1, cutoff=0.6)
            hint = f" (did you mean {known[close[0]]!r}, {facilities[known[close[0]]].name}?)" \
                if close else ""
            self.problem(line, column, f"unknown facility {word!r}{hint}")
        return found

    def unknown_person(self, line: int, column: str, pid: str, hint: str = "") -> None:
        self.problem(line, column, f"unknown person {pid!r}{_closest(pid, self.people)}{hint}")
        self.batch.unknown.append(self.batch.problems[-1])

    def problem(self, line: int, column: str | None, message: str) -> None:
        self.batch.problems.append(FileProblem(self.where, line, f"{column}: {message}" if column else message))

    def add(self, kind: str, key: str, data: dict, line: int) -> None:
        if not self.fits(kind, data, line):
            return
        seen = (kind, key)
        first = self.seen.get(seen)
        if first is not None:
            self.problem(line, None, f"duplicate {kind} {key} (first on row {first}); keep one")
            return
        self.seen[seen] = line
        self.batch.records.append(Record(kind, key, data, self.name, line))


    def fits(self, kind: str, data: dict, line: int) -> bool:
        """Whether every text value fits its database column and holds no NUL character
        (PostgreSQL refuses both; SQLite would store them, so both are checked here)."""
        verified = data.get("verified") or {}
        # at once first: no text of the record holds a control character, none is too long
        texts = list(filter(_is_text, data.values()))
        if verified:
            texts += filter(_is_text, verified.values())
        if max(map(len, texts), default=0) <= _shortest_limit(kind) \
                and not ids.control_character("".join(texts)):
            return True  # every text fits even the shortest column (most records)
        if not ids.control_character("".join(texts)):
            longest = max(map(len, texts), default=0)
            for column, part, limit in _column_limits()[kind]:  # the shortest limit first
                if not limit or limit >= longest:
                    return True  # every text fits this column and the longer ones
                value = verified.get(part) if part else data.get(column)
                if isinstance(value, str) and len(value) > limit:
                    break
        bad = [(column, value, limit) for column, part, limit in _column_limits()[kind]
               if isinstance(value := (verified.get(part) if part else data.get(column)), str)
               and ((limit and len(value) > limit) or ids.control_character(value))]
        for column, value, limit in bad:
            shown = column.replace("verified_", "verified.") if kind == "credential" else column
            if "\x00" in value:
                self.problem(line, shown, "contains a NUL character; remove it")
            elif ids.control_character(value):
                self.problem(line, shown, f"contains the control character "
                             f"{ids.control_character(value)}; remove it")
            else:
                self.problem(line, shown, f"is {len(value)} characters long; at most {limit} fit")
        return not bad


def _column_limits() -> dict[str, list[tuple[str, str | None, int | None]]]:
    """kind -> (column, its part of `verified` or None, its length limit (None: unlimited
    text)) of each text column, from the tables, the shortest limit first."""
    global _LIMITS
    if _LIMITS is None:
        from sqlalchemy import String

        from nervecenter.store import tables

        _LIMITS = {kind: sorted(((c.name, c.name[9:] if c.name.startswith("verified_")
                                  else None, c.type.length) for c in table.columns
                                 if isinstance(c.type, String)),
                                key=lambda c: c[2] or float("inf"))
                   for kind, table in (("person", tables.people),
                                       ("credential", tables.credentials),
                                       ("ce", tables.ce_entries), ("case", tables.cases))}
    return _LIMITS


_LIMITS: dict | None = None
_SHORTEST: dict[str, float] = {}
_is_text = str.__instancecheck__  # isinstance(value, str), without a Python frame in filter()


def _shortest_limit(kind: str) -> float:
    """The shortest length limit of `kind`'s text columns (inf when none has one)."""
    shortest = _SHORTEST.get(kind)
    if shortest is None:
        shortest = _SHORTEST[kind] = _column_limits()[kind][0][2] or float("inf")
    return shortest


# ---------------------------------------------------------------- values


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is not str:  # most cells are text: spare them the conversions
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    text = value.strip()
    if text[:1] == "'" and text[1:2] and (text[1] in "=@" or (text[1] in "+-" and not
                                                              text[2:3].isdigit())):
        text = text[1:]  # the quote `export` puts before formula-like text
    return text or None


DATE_FORMATS = "YYYY-MM-DD, MM/DD/YYYY, M/D/YY (read as 20YY) or an Excel date"
TIME_FORMATS = "HH:MM (24-hour), H:MM AM/PM or H AM/PM, local to the facility"
_DATE_TEXT = r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})"
_TIME_TEXT = r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?"
_DATE = re.compile(_DATE_TEXT)
_TIME = re.compile(_TIME_TEXT)
_MOMENT = re.compile(rf"(?:{_DATE_TEXT})(?:[ T]+({_TIME_TEXT}))?")
_SERIAL = re.compile(r"\d{5}(\.0+)?")


def parse_date(value: Any) -> date:
    """A date from ISO text (2024-1-5 too), US M/D/YYYY or M/D/YY, an Excel serial number or a
    date/datetime cell, within the years of core/limits.py."""
    if value.__class__ is str:
        return _date_text(value)
    return limits.check_date(_parse_date(value), value)


@functools.lru_cache(maxsize=8192)
def _date_text(text: str) -> date:
    """parse_date of a text, remembered: a roster spells the same few thousand days again and
    again (a ValueError is raised each time, never remembered)."""
    return limits.check_date(_parse_date(text), text)


# date.isoformat, remembered: it formats through sprintf, and a roster's dates repeat (parse_date
# gives the same date object for the same text)
_isoformat = functools.lru_cache(maxsize=8192)(date.isoformat)


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel(value)
    text = str(value).strip()
    found = _DATE.fullmatch(text)
    if found:
        return _date_of(found.groups(), text)
    if _SERIAL.fullmatch(text):
        return _excel(float(text))
    raise ValueError(f"{text!r} is not a date; write {DATE_FORMATS}")


def _date_of(groups, text: str) -> date:
    y, m, d, us_m, us_d, us_y = groups
    if y is None:
        y, m, d = (f"20{us_y}" if len(us_y) == 2 else us_y), us_m, us_d
    return _checked(int(y), int(m), int(d), text)


def _checked(y: int, m: int, d: int, text: str) -> date:
    try:
        return date(y, m, d)
    except ValueError as e:
        raise ValueError(f"{text!r} is not a date ({e}); write {DATE_FORMATS}") from None


def parse_time(value: Any) -> time:
    """A time of day: 08:00, 8:00:00, 8:00 AM, 8 PM, 12:30 a.m.; or a time cell."""
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    text = str(value).strip()
    found = _TIME.fullmatch(text)
    if found:
        hh, mm, ss, half = found.groups()
        hour = int(hh)
        if half:
            if not 1 <= hour <= 12:
                found = None
            else:
                hour = hour % 12 + (12 if half[0] in "Pp" else 0)
        elif mm is None:
            found = None  # a bare number is not a time
        if found and hour < 24 and int(mm or 0) < 60 and int(ss or 0) < 60:
            return time(hour, int(mm or 0), int(ss or 0))
    raise ValueError(f"{text!r} is not a time; write {TIME_FORMATS}")


def _excel(serial: float) -> date:
    if not 1 <= serial < 2958466:
        raise ValueError(f"{serial!r} is not an Excel date; use YYYY-MM-DD")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def parse_moment(value: Any, tz: str) -> datetime:
    """An aware datetime; text without an offset (and naive cells) is local time in `tz`."""
    if value.__class__ is str:
        return _moment_text(value, tz)
    return _parse_moment(value, tz)


@functools.lru_cache(maxsize=8192)
def _moment_text(text: str, tz: str) -> datetime:
    """parse_moment of a text, remembered: schedules start at the same few times each day."""
    return _parse_moment(text, tz)


def _parse_moment(value: Any, tz: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.combine(_excel(value), time()) + timedelta(days=value % 1)
        moment = moment.replace(microsecond=0)
    else:
        text = str(value).strip()
        local = _MOMENT.fullmatch(text)
        try:
            if local:
                day = _date_of(local.groups()[:6], text)
                at = parse_time(local.group(7)) if local.group(7) else time()
                moment = datetime.combine(day, at)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date and time; write a date ({DATE_FORMATS}) "
                             f"and a time ({TIME_FORMATS}), or ISO with an offset like "
                             "2026-12-03T08:00-06:00") from None
    limits.check_moment(moment, value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment


def _closest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------- records from values


def _credential(rows: _Rows, line: int, person: str, role: str | None, v: dict) -> None:
    """Validate one credential's values (keys as in people.yaml) and add it as a record."""
    practice = rows.practice
    written = _text(v.get("type"))
    if not written:
        return rows.problem(line, "type", "is empty; name a credential type")
    type_id = rows.type_id(written)
    if type_id is None:
        return rows.problem(line, "type", f"unknown credential type {written!r}"
                            f"{rows.type_names.suggestion(written)}")
    ctype = practice.credential_types[type_id]
    scope = None
    ok = True
    if ctype.scope == "state":
        state = _text(v.get("state"))
        if not state:
            rows.problem(line, "state", f"is empty; {type_id} is per state: give the state code")
            ok = False
        scope = state.upper() if state else None
        if scope and scope not in STATE_NAMES:
            rows.problem(line, "state", f"{state!r} is not a US state code; use two letters "
                         f"like LA{_closest(scope, STATE_NAMES)}")
            ok = False
    elif ctype.scope == "facility":
        facility = _text(v.get("facility"))
        if not facility:
            rows.problem(line, "facility", f"is empty; {type_id} is per facility: give its id")
            ok = False
        else:
            facility = rows.facility(line, "facility", facility)
            ok = ok and facility is not None
        scope = facility
    values: dict[str, Any] = {}
    for column in ("issued", "expires"):
        raw = v.get(column)
        if _text(raw) is None and not isinstance(raw, date):
            values[column] = None
            continue
        try:
            values[column] = parse_date(raw)
        except ValueError as e:
            rows.problem(line, column, str(e))
            ok = False
    if ok and values["expires"] is None:
        if values["issued"] is None:
            rows.problem(line, "expires", "is empty; give the expiry date (or the issue date "
                         "when the type has a validity)")
            ok = False
        elif not ctype.validity_months and ctype.expiry not in ("season", "never"):
            rows.problem(line, "expires", f"is empty and {type_id} has no validity_months to "
                         "derive it from; give the expiry date")
            ok = False
        else:
            try:
                values["expires"] = limits.check_date(dates.derive_expiry(
                    values["issued"], ctype.validity_months, ctype.expiry,
                    ctype.season_start))
            except ValueError as e:
                rows.problem(line, "issued", f"gives the expiry {e}")
                ok = False
    status = _text(v.get("status")) or "active"
    if status not in STATUSES:
        rows.problem(line, "status", f"{status!r} is not one of {', '.join(STATUSES)}")
        ok = False
    verified = None
    raw_verified = v.get("verified")
    if isinstance(raw_verified, dict) and raw_verified:
        # YAML 1.1 reads an unquoted `on:` key as the boolean True
        on = raw_verified.get("on", raw_verified.get(True))
        try:
            verified = {"on": parse_date(on).isoformat(),
                        "by": _text(raw_verified.get("by")) or "",
                        "method": _text(raw_verified.get("method")) or ""}
        except ValueError as e:
            rows.problem(line, "verified.on", str(e))
            ok = False
    documents = v.get("documents") or []
    if isinstance(documents, str):
        documents = [d.strip() for d in documents.split(";") if d.strip()]
    for doc in documents:
        try:
            confine(practice.config_dir, practice.documents, str(doc))
        except ValueError as e:
            rows.problem(line, "documents", str(e))
            ok = False
    if not ok:
        return
    data = {"person": person, "type": type_id, "scope": scope,
            "number": _text(v.get("number")), "issuer": _text(v.get("issuer")),
            "issued": _isoformat(values["issued"]) if values["issued"] else None,
            "expires": _isoformat(values["expires"]), "status": status, "verified": verified,
            "documents": [str(d) for d in documents]}
    rows.add("credential", credential_id(person, type_id, scope), data, line)


def _person(rows: _Rows, line: int, v: dict, columns: dict[str, str] | None = None) -> str | None:
    """Validate a person's own values and add the record; returns the id (None when unusable)."""
    col = columns or {}
    pid = _text(v.get("id"))
    if not pid:
        rows.problem(line, col.get("id", "id"), "is empty; give the person's id")
        return None
    try:
        ids.check_id(pid)
    except ValueError as e:
        rows.problem(line, col.get("id", "id"), str(e))
        return None
    name, role = _text(v.get("name")), _text(v.get("role"))
    if not name:
        rows.problem(line, "name", "is empty; give the person's name")
        return None
    if role not in ROLES:
        rows.problem(line, "role", f"{role!r} is not one of {', '.join(ROLES)}" if role
                     else f"is empty; use one of {', '.join(ROLES)}")
        return None
    notify = []
    for entry in v.get("notify") or []:
        if isinstance(entry, dict):
            stages = entry.get("stages")
            notify.append({"url": str(entry.get("url")),
                           "stages": list(stages) if stages is not None else None})
        else:
            notify.append({"url": str(entry), "stages": None})
    npi = _text(v.get("npi"))
    if npi is not None and not (len(npi) == 10 and npi.isdigit()):
        rows.problem(line, "npi", f"{npi!r} is not a 10-digit NPI; give the NPI or leave it empty")
        return None
    active, left = _membership(rows, line, v)
    if active is None:
        return None
    data = {"id": pid, "name": name, "role": role, "home_state": _text(v.get("home_state")),
            "email": _text(v.get("email")), "phone": _text(v.get("phone")), "notify": notify,
            "npi": npi, "active": active, "left": left}
    rows.add("person", pid, data, line)
    rows.people[pid] = role
    return pid


_YES, _NO = ("true", "yes", "y", "1", "active"), ("false", "no", "n", "0", "inactive", "left")


def _membership(rows: _Rows, line: int, v: dict) -> tuple[bool | None, str | None]:
    """(active, left as ISO text): `left` (a date) marks someone as gone from that day;
    `active: false` without a date, from the day it is first imported (store.py)."""
    raw, left_raw = v.get("active"), v.get("left")
    active = raw if isinstance(raw, bool) else None
    if active is None:
        text = (_text(raw) or "true").lower()
        active = True if text in _YES else False if text in _NO else None
        if active is None:
            rows.problem(line, "active", f"{raw!r} is not yes or no; write true or false")
            return None, None
    left = None
    if _text(left_raw) is not None:
        try:
            left = parse_date(left_raw).isoformat()
        except ValueError as e:
            rows.problem(line, "left", str(e))
            return None, None
        if _text(raw) is not None and active:
            rows.problem(line, "active", f"is true but left is {left}; remove one of them")
            return None, None
    return (not left and active), left


def _ce(rows: _Rows, line: int, person: str, v: dict) -> None:
    ok = True
    written = _text(v.get("credential"))
    credential = rows.type_id(written) if written else None
    if not written:
        rows.problem(line, "credential", "is empty; name the credential type the hours count toward")
        ok = False
    elif credential is None:
        rows.problem(line, "credential", f"unknown credential type {written!r}"
                     f"{rows.type_names.suggestion(written)}")
        ok = False
    try:
        day = parse_date(v.get("date")) if v.get("date") not in (None, "") else None
        if day is None:
            rows.problem(line, "date", "is empty; give the date of the activity")
            ok = False
    except ValueError as e:
        rows.problem(line, "date", str(e))
        ok = False
    try:
        hours = float(v.get("hours"))
        if hours <= 0:
            raise ValueError
    except (TypeError, ValueError):
        rows.problem(line, "hours", f"{v.get('hours')!r} is not a positive number of hours")
        ok = False
    if not ok:
        return
    data = {"person": person, "credential": credential, "date": day.isoformat(), "hours": hours,
            "category": _text(v.get("category")) or "", "provider": _text(v.get("provider")) or ""}
    key = ":".join([person, credential, day.isoformat(), data["category"], data["provider"]])
    rows.add("ce", key, data, line)


def _case(rows: _Rows, line: int, v: dict, extra: dict) -> None:
    practice, ok = rows.practice, True
    cid, facility_id = _text(v.get("id")), _text(v.get("facility"))
    if not cid:
        rows.problem(line, "id", "is empty; give the case id")
        ok = False
    else:
        rows.batch.case_ids.add(cid)
    if not facility_id:
        rows.problem(line, "facility", "is empty; give the facility id")
        ok = False
    else:
        facility_id = rows.facility(line, "facility", facility_id)
        ok = ok and facility_id is not None
    facility = practice.facilities.get(facility_id or "")
    tz = facility.timezone if facility else practice.timezone
    moments = {}
    for column in ("start", "end"):
        raw = v.get(column)
        if _text(raw) is None and not isinstance(raw, (date, datetime)):
            if column == "start":
                rows.problem(line, "start", "is empty; give the start as YYYY-MM-DDTHH:MM")
                ok = False
            moments[column] = None
            continue
        try:
            moments[column] = parse_moment(raw, tz)
        except ValueError as e:
            rows.problem(line, column, str(e))
            ok = False
    if ok and moments["end"] is not None and moments["end"] <= moments["start"]:
        rows.problem(line, "end", f"{moments['end'].isoformat()} is not after the start")
        ok = False
    elif ok and moments["end"] is not None:
        try:
            limits.check_case_length(moments["start"], moments["end"])
        except ValueError as e:
            rows.problem(line, "end", str(e))
            ok = False
    people = {}
    for role in ROLES:
        pid = _text(v.get(role))
        people[role] = pid
        if pid is None:
            continue
        if rows.waits(pid, line):
            ok = False
        elif pid not in rows.people:
            rows.unknown_person(line, role, pid, "; import the roster first or fix the id")
            ok = False
        elif rows.people[pid] != role:
            rows.problem(line, role, f"{pid} is a {rows.people[pid]}, not a {role}")
            ok = False
    fields = {k: _text(x) or "" for k, x in sorted(extra.items())}
    for name in rows.case_fields:
        value = _text(v.get(name)) if name in CASE_COLUMNS else fields.get(name)
        verdict = rows.case_values.judge(name, value)
        if verdict and verdict[0] == "error":
            rows.problem(line, name, verdict[1])
            ok = False
        elif verdict:
            rows.batch.warnings.append(FileProblem(rows.where, line, f"{name}: {verdict[1]}"))
    if not ok:
        return
    data = {"id": cid, "facility": facility_id, "start": moments["start"].isoformat(),
            "end": moments["end"].isoformat() if moments["end"] else None,
            "procedure": _text(v.get("procedure")), "technologist": people["technologist"],
            "reader": people["reader"],
            "fields": fields}
    rows.add("case", cid, data, line)


# ---------------------------------------------------------------- YAML


def _read_yaml(path: Path, rows: _Rows) -> None:
    try:
        parts = yamlparts.split(yamlfile.decode(path.read_bytes(), rows.name))
    except OSError:
        parts = None  # yamlfile.load names the problem
    if parts is not None:
        people, emails, refused = dict(rows.people), rows.emails, dict(rows.refused)
        if _read_parts(parts, rows):
            return
        where = rows.where
        rows.__init__(rows.name, rows.practice, people)  # as it was: the whole file instead
        rows.emails, rows.refused, rows.where = emails, refused, where
    _read_yaml_whole(path, rows)


def _read_yaml_whole(path: Path, rows: _Rows) -> None:
    """The file as one document (what _read_parts gives item by item, when it can)."""
    data = yamlfile.load(path, rows.name, rows.practice.max_input)
    if not isinstance(data, dict) or not ({"people", "cases"} & set(data)):
        return rows.problem(0, None, "expected a mapping with `people:` and/or `cases:`")
    unknown = set(data) - {"people", "cases"}
    for key in sorted(unknown):
        rows.problem(yamlfile.line_of(data, [key]), None,
                     f"unknown key {key!r}{_closest(key, ['people', 'cases'])}; "
                     "allowed keys: cases, people")
    if "people" in data:
        schema_problems = _people_schema_problems(data, rows.name)
        rows.batch.problems.extend(schema_problems)
        people = data["people"] if isinstance(data["people"], list) else []
        refused: dict[str, FileProblem] = {}  # "people.3" -> the first problem of that person
        for q in schema_problems:
            refused.setdefault(".".join(q.message.split(":")[0].split(".")[:2]), q)
        for i, p in enumerate(people):
            line = yamlfile.line_of(data, ["people", i])
            # A person the schema refuses is not read further; the others are, so that every
            # mistake of the file is reported in one pass.
            if f"people.{i}" in refused:
                if isinstance(p, dict) and isinstance(p.get("id"), str):
                    rows.refused[p["id"]] = rows.batch.refused[p["id"]] = refused[f"people.{i}"]
                continue
            since = len(rows.batch.problems)
            pid = _person(rows, line, p)
            if pid is None:
                rows.refuse(p.get("id"), since)
                continue
            for j, c in enumerate(p.get("credentials") or []):
                _credential(rows, yamlfile.line_of(data, ["people", i, "credentials", j]),
                            pid, p.get("role"), c)
            for j, e in enumerate(p.get("ce") or []):
                _ce(rows, yamlfile.line_of(data, ["people", i, "ce", j]), pid, e)
    for i, c in enumerate(data.get("cases") or []):
        line = yamlfile.line_of(data, ["cases", i])
        if not isinstance(c, dict):
            rows.problem(line, None, "a case is a mapping with id, facility, start, ...")
            continue
        extra = dict(c.get("fields") or {})
        extra.update({k: x for k, x in c.items() if k not in CASE_COLUMNS and k != "fields"})
        _case(rows, line, c, extra)


def _read_parts(parts: dict[str, list[tuple[int, str]]], rows: _Rows) -> bool:
    """What _read_yaml reads from the whole document, from its items one at a time (a person's
    nodes are freed before the next is read); False when an item does not read alone."""
    from nervecenter.core.schemas import PEOPLE

    person_schema = PEOPLE["properties"]["people"]["items"]
    surely_valid = fastschema.predicate(person_schema)
    for i, (line, text) in enumerate(parts.get("people", ())):
        item = yamlparts.load(text, line)
        if not (isinstance(item, list) and len(item) == 1 and isinstance(item[0], dict)):
            return False
        p = item[0]
        problems = [] if surely_valid(p) else yamlfile.validate(p, person_schema, rows.name,
                                                                 ("people", i))
        if problems:  # as in _read_yaml_whole: the others are read, this one no further
            rows.batch.problems.extend(problems)
            if isinstance(p.get("id"), str):
                rows.refused[p["id"]] = rows.batch.refused[p["id"]] = problems[0]
            continue
        since = len(rows.batch.problems)
        pid = _person(rows, p.line, p)
        if pid is None:
            rows.refuse(p.get("id"), since)
            continue
        for j, c in enumerate(p.get("credentials") or []):
            _credential(rows, yamlfile.line_of(p, ["credentials", j]), pid, p.get("role"), c)
        for j, e in enumerate(p.get("ce") or []):
            _ce(rows, yamlfile.line_of(p, ["ce", j]), pid, e)
    for line, text in parts.get("cases", ()):
        item = yamlparts.load(text, line)
        if not (isinstance(item, list) and len(item) == 1 and isinstance(item[0], dict)):
            return False
        c = item[0]
        extra = dict(c.get("fields") or {})
        extra.update({k: x for k, x in c.items() if k not in CASE_COLUMNS and k != "fields"})
        _case(rows, c.line, c, extra)
    return True


def _people_schema_problems(data: dict, name: str) -> list[FileProblem]:
    """people.yaml against the foundation's JSON Schema when present, else a structural check."""
    try:
        from nervecenter.core import schemas

        schema = getattr(schemas, "PEOPLE", None)
    except ImportError:
        schema = None
    if schema is not None:
        people_only = {k: v for k, v in data.items() if k == "people"}
        return yamlfile.validate(people_only, schema, name)
    problems = []
    if not isinstance(data["people"], list):
        return [FileProblem(name, yamlfile.line_of(data, ["people"]), "people: must be a list")]
    for i, p in enumerate(data["people"]):
        line = yamlfile.line_of(data, ["people", i])
        if not isinstance(p, dict):
            problems.append(FileProblem(name, line, f"people.{i}: must be a mapping"))
            continue
        for key in ("credentials", "ce", "notify"):
            if key in p and not isinstance(p[key], list):
                problems.append(FileProblem(name, yamlfile.line_of(data, ["people", i, key]),
                                        f"people.{i}.{key}: must be a list"))
        for j, c in enumerate(p.get("credentials") or []):
            if not isinstance(c, dict):
                problems.append(FileProblem(name, yamlfile.line_of(data, ["people", i, "credentials", j]),
                                        f"people.{i}.credentials.{j}: must be a mapping"))
    return problems


# ---------------------------------------------------------------- tables (CSV, XLSX)


# Headers as spreadsheets spell them -> the column they are (after column_name's normalizing)
HEADER_NAMES = {
    **dict.fromkeys(("case_id", "case_no", "case_number", "case"), "id"),
    **dict.fromkeys(("tech", "technologist_id", "tech_id", "neurophysiologic_technologist"),
                    "technologist"),
    **dict.fromkeys(("interpreting_physician", "reading_physician", "physician",
                     "neurophysiologist", "reader_id"), "reader"),
    **dict.fromkeys(("start_time", "time", "start_date_time", "starts"), "start"),
    **dict.fromkeys(("end_time", "ends", "end_date_time"), "end"),
    **dict.fromkeys(("hospital", "facility_id", "site"), "facility"),
    **dict.fromkeys(("expiration", "expiration_date", "expiry", "expiry_date", "exp_date",
                     "expires_on", "expiration_dt"), "expires"),
    **dict.fromkeys(("issue_date", "issued_on", "date_issued", "issued_date"), "issued"),
    **dict.fromkeys(("person_id", "staff_id", "employee_id"), "person"),
    **dict.fromkeys(("credential_type", "certification"), "type"),
    **dict.fromkeys(("license_number", "licence_number", "cert_number", "card_number",
                     "credential_number", "no"), "number"),
}


def column_name(header: Any) -> str:
    """A header cell as the column it is: letter case, spaces and punctuation ignored
    (`Case #` and `Case ID` are `id`, `Expiration date` is `expires`)."""
    text = (_text(header) or "").lower().replace("#", " no ")
    name = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return HEADER_NAMES.get(name, name)


def _dated(rows: _Rows, line: int, values: dict) -> bool:
    """A schedule with a `date` column and times in `start`/`end`: the two made one moment."""
    day_raw = values.pop("date")
    if _text(day_raw) is None and not isinstance(day_raw, date):
        return True
    try:
        day = parse_date(day_raw)
    except ValueError as e:
        rows.problem(line, "date", str(e))
        return False
    ok = True
    for column in ("start", "end"):
        raw = values.get(column)
        if isinstance(raw, time) or (isinstance(raw, str) and _TIME.fullmatch(raw.strip())):
            try:
                values[column] = datetime.combine(day, parse_time(raw))
            except ValueError as e:
                rows.problem(line, column, str(e))
                ok = False
    return ok


def _read_table(header: list[Any], body, rows: _Rows, text_only: bool = False) -> bool:
    """Rows of one sheet; False when its header is not one NerveCenter knows. `text_only`: every
    cell is a str (CSV), which spares each row the checks only workbook cells need."""
    names = [column_name(h) for h in header]
    present = set(names)
    if "start" in present:
        kind, known = "case", CASE_COLUMNS
    elif "hours" in present:
        kind, known = "ce", CE_COLUMNS
    elif "person" in present:
        kind, known = "roster", ROSTER_COLUMNS
    else:
        return False
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        for n in twice:
            written = [str(h) for h, m in zip(header, names) if m == n]
            rows.problem(1, n, f"columns {' and '.join(written)} are both {n}; keep one")
        return True
    required = {"case": ("id", "facility", "start"), "ce": ("person", "credential", "date"),
                "roster": ("person", "type")}[kind]
    missing = [c for c in required if c not in present]
    if missing:
        rows.problem(1, None, f"missing column(s) {', '.join(missing)}; the header has "
                     f"{', '.join(n for n in names if n)}")
        return True
    if kind != "case":
        for n in names:
            if n and n not in known and difflib.get_close_matches(n, known, n=1, cutoff=0.8):
                rows.problem(1, n, f"unknown column{_closest(n, known)}")
    first_person: dict[str, tuple[int, dict, tuple]] = {}
    named = [(i, n) for i, n in enumerate(names) if n]
    width = len(names) if len(named) == len(names) else -1
    for line, cells in body:
        if text_only and len(cells) == width:
            values = dict(zip(names, cells))
            if not "".join(cells).strip():  # blank cells only (what _text makes None)
                continue
        else:
            values = {n: cells[i] if i < len(cells) else None for i, n in named}
            if all(_text(x) is None for x in values.values()):
                continue
        uncalculated = [] if text_only else [(n, x) for n, x in values.items()
                                             if isinstance(x, Uncalculated)]
        for n, x in uncalculated:
            rows.problem(line, n, f"{x} is a formula without a saved value; open the file in "
                         "Excel or LibreOffice and save it, or type the value")
        if uncalculated:
            continue
        if kind == "case":
            if "date" in values and not _dated(rows, line, values):
                continue
            extra = {n: x for n, x in values.items() if n not in _SCHEDULE_COLUMNS}
            _case(rows, line, values, extra)
        elif kind == "ce":
            pid = _text(values.get("person"))
            if not pid:
                rows.problem(line, "person", "is empty; give the person's id")
            elif rows.waits(pid, line):
                pass
            elif pid not in rows.people:
                rows.unknown_person(line, "person", pid)
            else:
                _ce(rows, line, pid, values)
        else:
            _roster_row(rows, line, values, first_person)
    return True


def _roster_row(rows: _Rows, line: int, values: dict,
                first: dict[str, tuple[int, dict, tuple]]) -> None:
    pid = _text(values.get("person"))
    if not pid:
        return rows.problem(line, "person", "is empty; give the person's id")
    if rows.waits(pid, line):
        return
    cells = tuple(map(values.get, PERSON_COLUMNS))
    if pid not in first:
        own = {"id": pid, **dict(zip(PERSON_COLUMNS, cells))}
        first[pid] = (line, own, cells)
        if pid in rows.people and all(_text(own.get(k)) is None for k in PERSON_COLUMNS):
            pass  # a credentials sheet: the person is on the roster already
        else:
            since = len(rows.batch.problems)
            # a notify cell holds one or more channel URLs, separated by spaces or new lines
            if _person(rows, line, {**own, "notify": (_text(own["notify"]) or "").split()},
                       {"id": "person"}) is None:
                return rows.refuse(pid, since, any(_text(own.get(k)) for k in PERSON_COLUMNS))
    elif cells != first[pid][2]:  # the same cells again say nothing new
        line0, seen, _ = first[pid]
        for key, cell in zip(PERSON_COLUMNS, cells):
            a, b = _text(seen.get(key)), _text(cell)
            if b is not None and a != b:
                rows.problem(line, key, f"{b!r} differs from {a!r} on row {line0} for {pid}")
    if pid not in rows.people:
        return
    if _text(values.get("type")) is None:
        return  # a row for the person alone
    verified = None
    if _text(values.get("verified_on")):
        verified = {"on": values.get("verified_on"), "by": values.get("verified_by"),
                    "method": values.get("verified_method")}
    values["verified"] = verified
    _credential(rows, line, pid, rows.people[pid], values)


def _read_csv(path: Path, rows: _Rows) -> None:
    """Rows as they are read: the file is never held whole, only the records made of it."""
    with open(path, "rb") as raw:
        # Only CR/LF end a row (newline=""): str.splitlines() would also split at form feeds,
        # U+2028 and other separators that may sit inside a name, and at newlines inside quotes.
        lines = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        try:
            header = next(lines, None)
            if header is None:
                return rows.problem(0, None, "is empty; the first row names the columns")
            body = enumerate(lines, start=2)  # (row as a spreadsheet numbers it, cells)
            if not _read_table(header, body, rows, text_only=True):
                rows.problem(1, None, _unknown_header(header))
            return
        except UnicodeDecodeError:
            problem = None  # found again below, with its line, by the one UTF-8 check
        except csv.Error as e:
            problem = FileProblem(rows.name, 0, f"not a CSV file ({e}); save it as CSV UTF-8")
    # a file that is not CSV or not UTF-8: that is its one problem, not the rows read before
    rows.batch = Batch()
    if problem is None:
        yamlfile.decode(path.read_bytes(), rows.name)  # raises ConfigError naming the line
        problem = FileProblem(rows.name, 0, "is not UTF-8; save the file as UTF-8")
    rows.batch.problems.append(problem)


def _unknown_header(header) -> str:
    return (f"columns {', '.join(str(h) for h in header if h)} are not a roster (person, name, "
            "role, type, state, facility, number, issuer, issued, expires, status), cases (id, "
            "facility, start, end, ...) or CE (person, credential, date, hours)")


def _read_xlsx(path: Path, rows: _Rows) -> None:
    found, seen = False, []
    try:
        with Workbook(path, rows.practice.max_input) as book:
            for title, it in book.sheets():
                header, header_row = None, 0
                for n, cells in enumerate(it, start=1):
                    if any(_text(c) for c in cells):
                        header, header_row = list(cells), n
                        break
                if header is None:
                    continue
                rows.where = f"{rows.name}[{title}]"
                body = ((header_row + i + 1, list(cells)) for i, cells in enumerate(it))
                if _read_table(header, body, rows):
                    found = True
                else:
                    seen.append(f"{title!r} ({', '.join(str(h) for h in header if h)})")
    except Unreadable as e:
        rows.where = rows.name
        return rows.problem(0, None, str(e))
    rows.where = rows.name
    if not found:
        rows.problem(0, None, "no sheet has NerveCenter's columns: a roster needs person, type, "
                     "expires...; cases need id, facility, start. Sheets: "
                     + ("; ".join(seen) or "none with data"))


# ---------------------------------------------------------------- iCalendar


ICS_PAST_DAYS = 365  # a repeating event is expanded from this many days ago to the horizon
ICS_MAX_OCCURRENCES = 2000


def _read_ics(path: Path, rows: _Rows) -> None:
    """Cases from VEVENTs: UID = case id, LOCATION = facility id (or name), SUMMARY = procedure,
    X-NERVECENTER-TECHNOLOGIST / X-NERVECENTER-READER = person ids (else ATTENDEEs by e-mail).

    A repeating event (RRULE, minus its EXDATEs) is one case per occurrence from a year ago to
    the end of the case horizon, with the id `UID@YYYY-MM-DD`; an event with a RECURRENCE-ID
    replaces the occurrence it names (STATUS:CANCELLED removes it)."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
    except (ValueError, IndexError) as e:
        return rows.problem(0, None, f"not an iCalendar file ({e})")
    events = list(enumerate(calendar.walk("VEVENT"), start=1))
    overrides = {}
    for n, event in events:
        if event.get("RECURRENCE-ID") is not None:
            day = _day_of(event.decoded("RECURRENCE-ID"))
            overrides[(str(event.get("UID", "")).strip(), day)] = (n, event)
    for n, event in events:
        if event.get("RECURRENCE-ID") is not None:
            continue
        uid = str(event.get("UID", "")).strip()
        if event.get("RRULE") is None:
            _ics_case(rows, n, event, uid)
            continue
        occurrences = _occurrences(rows, n, event)
        for occurrence in occurrences or ():
            day = _day_of(occurrence)
            override = overrides.get((uid, day))
            if override is not None:
                if str(override[1].get("STATUS", "")).upper() != "CANCELLED":
                    _ics_case(rows, override[0], override[1], f"{uid}@{day.isoformat()}")
            else:
                _ics_case(rows, n, event, f"{uid}@{day.isoformat()}", occurrence)


def _day_of(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _occurrences(rows: _Rows, line: int, event) -> list | None:
    from dateutil.rrule import rrulestr

    start = event.decoded("DTSTART") if event.get("DTSTART") else None
    if start is None:
        rows.problem(line, "start", "a repeating event needs a DTSTART")
        return None
    first_day = clock.today(rows.practice.timezone) - timedelta(days=ICS_PAST_DAYS)
    last_day = clock.today(rows.practice.timezone) + timedelta(
        days=rows.practice.alerts.case_horizon_days)
    if not isinstance(start, datetime):
        start = datetime.combine(start, time())
    try:
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    except (ValueError, TypeError) as e:
        rows.problem(line, "RRULE", f"cannot be read ({e}); export the occurrences as single "
                     "events instead")
        return None
    zone = start.tzinfo
    window = [datetime.combine(d, time(), zone) for d in (first_day, last_day + timedelta(1))]
    found = []
    for occurrence in rule.xafter(window[0], inc=True):
        if occurrence >= window[1]:
            break
        found.append(occurrence)
        if len(found) > ICS_MAX_OCCURRENCES:
            rows.problem(line, "RRULE", f"repeats more than {ICS_MAX_OCCURRENCES} times "
                         "between a year ago and the end of the case horizon; export the "
                         "occurrences as single events instead")
            return None
    excluded = set()
    exdates = event.get("EXDATE") or []
    for item in exdates if isinstance(exdates, list) else [exdates]:
        excluded.update(_day_of(d.dt) for d in item.dts)
    return [o for o in found if _day_of(o) not in excluded]


def _ics_case(rows: _Rows, n: int, event, case_id: str, start: datetime | None = None) -> None:
    """One case from an event (at `start` for an occurrence of a repeating one)."""
    facility = str(event.get("LOCATION", "")).strip()
    first = event.decoded("DTSTART") if event.get("DTSTART") else None
    end = event.decoded("DTEND") if event.get("DTEND") else None
    if start is not None and end is not None and first is not None:
        end = start + (end - first)
    values = {"id": case_id, "facility": facility,
              "start": start if start is not None else first, "end": end,
              "procedure": str(event.get("SUMMARY", "")).strip() or None}
    for role in ROLES:
        values[role] = str(event.get(f"X-NERVECENTER-{role.upper()}", "")).strip() or None
    attendees = event.get("ATTENDEE") or []
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        email = str(attendee).lower().removeprefix("mailto:")
        pid = rows.emails.get(email)
        if pid and values.get(rows.people[pid]) is None:
            values[rows.people[pid]] = pid
    _case(rows, n, values, {})


# ---------------------------------------------------------------- entry point

def note_waiting(batches: list[Batch], whole: bool = True) -> None:
    """One problem per cause: a refused person's own problem says which rows of the import name
    them (each left unread without a line of its own, as it would only repeat that problem).
    In an import that is `whole` (all or nothing), a file that cannot be read at all may give
    the people other files name: their "unknown person" rows wait for it, counted on its line."""
    notes: dict[FileProblem, str] = {}
    unreadable = [b for b in batches if b.unreadable and b.problems] if whole else []
    unknown = [p for b in batches for p in b.unknown] if unreadable else []
    if unknown:
        first = unreadable[0].problems[0]
        notes[first] = ("; rows naming people not known without it are left unread until this "
                        f"is fixed ({_spots([(p.file, p.line) for p in unknown], first.file)})")
        for b in batches:
            waits = set(b.unknown)
            b.problems = [p for p in b.problems if p not in waits]
    spots: dict[tuple[str, FileProblem], list[tuple[str, int]]] = {}
    for b in batches:
        for key, found in b.waiting.items():
            spots.setdefault(key, []).extend(found)
    for (pid, problem), found in spots.items():
        notes[problem] = (f"; {pid} is also named by {_spots(found, problem.file)}, left unread "
                          "until this is fixed")
    for b in batches:
        b.problems = [FileProblem(p.file, p.line, p.message + notes[p]) if p in notes else p
                      for p in b.problems]


def _spots(found: list[tuple[str, int]], seen_from: str) -> str:
    """`cases.csv rows 2, 8 and 14, sheet Staff row 3` as a problem line in `seen_from` says it."""
    by_file: dict[str, set[int]] = {}
    for where, line in found:
        by_file.setdefault(where, set()).add(line)
    return ", ".join(f"{_relative(where, seen_from)}"
                     f"{'line' if where.endswith(('.yaml', '.yml')) else 'row'}"
                     f"{'' if len(lines) == 1 else 's'} {_listed(sorted(lines))}"
                     for where, lines in sorted(by_file.items(),
                                                key=lambda x: (x[0] != seen_from, x[0])))


def _relative(where: str, seen_from: str) -> str:
    """How a problem line in `seen_from` names the file (or sheet) `where`."""
    if where == seen_from:
        return ""
    book, sheet = where.removesuffix("]").partition("[")[::2]
    return f"sheet {sheet} " if sheet and seen_from.startswith(f"{book}[") else f"{where} "


def _listed(numbers: list[int]) -> str:
    shown = [str(n) for n in numbers[:5]]
    if len(numbers) > 5:
        return f"{', '.join(shown)} and {len(numbers) - 5} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


READERS = {".yaml": _read_yaml, ".yml": _read_yaml, ".csv": _read_csv, ".xlsx": _read_xlsx,
           ".ics": _read_ics}


def read(path: Path, practice: Practice, people: dict[str, str], display: str | None = None,
         emails: dict[str, str] | None = None,
         refused: dict[str, FileProblem] | None = None) -> Batch:
    """Every record and problem of one file. `people` maps known person ids to roles (the
    database's and earlier files'); `emails` maps e-mail addresses to ids (for .ics attendees);
    `refused` are people whose own row another file refused (rows naming them wait for it).
    Rows are numbered as the user sees them: YAML lines, CSV lines, sheet rows, ICS events."""
    name = display or str(path)
    rows = _Rows(name, practice, people)
    rows.refused.update(refused or {})
    rows.emails = {k.lower(): v for k, v in (emails or {}).items()}
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        rows.problem(0, None, f"cannot import {path.suffix or 'a file without extension'}; "
                     "use .yaml, .csv, .xlsx or .ics")
        return rows.batch
    if not path.is_file():
        rows.problem(0, None, "no such file")
        return rows.batch
    try:
        limits.check_size(path.stat().st_size, practice.max_input)
        reader(path, rows)
    except limits.TooLarge as e:
        rows.problem(0, None, str(e))
    except ConfigError as e:
        rows.batch.problems.extend(e.problems)
        rows.batch.unreadable = True
    rows.batch.people = rows.people
    return rows.batch
