"""Reading a Snapshot: people, the credential versions in force on a day, CE entries, cases and
confirmed exclusions, in one query per table.

Rows are read as plain DB-API tuples (SQLAlchemy's per-value processing of dates and JSON costs
more than the query itself at 60,000 credentials), and each distinct date or moment text is
parsed once: 61,000 credentials carry about 2,000 distinct expiry dates, 20,000 cases about
2,000 distinct start times.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from nervecenter.core.model import (
    Case,
    CEEntry,
    Channel,
    Credential,
    Exclusion,
    Person,
    Snapshot,
    Verification,
)

CREDENTIAL_COLUMNS = ("credential_id", "person", "type", "scope", "version", "number", "issuer",
                      "issued", "expires", "status", "verified_on", "verified_by",
                      "verified_method", "documents", "valid_from")


def parse_date(value) -> date | None:
    """A date from a DB-API value: SQLite gives ISO text, PostgreSQL a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def parse_json(value):
    """A JSON column from a DB-API value: SQLite gives text, PostgreSQL the parsed value."""
    if not isinstance(value, str):
        return value if value is not None else []
    return [] if value == "[]" else {} if value == "{}" else json.loads(value)


class _Texts:
    """Dates and moments parsed once per distinct text, the same object handed out again."""

    def __init__(self, zones: dict[str, ZoneInfo]):
        self.zones = zones
        self._dates: dict = {None: None}
        self._moments: dict[tuple[str, str], datetime] = {}

    def date(self, value) -> date | None:
        found = self._dates.get(value)
        if found is None and value is not None:
            found = self._dates[value] = parse_date(value)
        return found

    def moment(self, text: str, facility: str) -> datetime:
        """A case's start or end, back in its facility's zone (the text kept only its offset)."""
        found = self._moments.get((text, facility))
        if found is None:
            found = datetime.fromisoformat(text)
            zone = self.zones.get(facility)
            if zone is not None:
                found = found.astimezone(zone)
            self._moments[text, facility] = found
        return found


def _credential(row, texts: _Texts) -> Credential:
    """A Credential from a raw row of CREDENTIAL_COLUMNS, built without the frozen dataclass's
    __init__ (about 10 µs per object through object.__setattr__): the same object."""
    (_, person, type_, scope, version, number, issuer, issued, expires, status, v_on, v_by,
     v_method, documents, _) = row
    day = texts.date
    obj = object.__new__(Credential)
    obj.__dict__.update(
        person=person, type=type_, expires=day(expires), scope=scope, number=number,
        issuer=issuer, issued=day(issued), status=status,
        verified=Verification(day(v_on), v_by or "", v_method or "") if v_on else None,
        documents=tuple(d["path"] for d in parse_json(documents)), version=version)
    return obj


def _case(row, texts: _Texts) -> Case:
    """A Case from a raw row, built as _credential builds a Credential."""
    cid, facility, start, end, procedure, tech, reader, fields = row
    obj = object.__new__(Case)
    obj.__dict__.update(
        id=cid, facility=facility, start=texts.moment(start, facility),
        end=texts.moment(end, facility) if end else None, procedure=procedure,
        technologist=tech, reader=reader, fields=dict(parse_json(fields) or {}))
    return obj


def read(cursor, on: date, zones: dict[str, ZoneInfo]) -> Snapshot:
    """The snapshot of `on` through a DB-API cursor: people, for each credential the version in
    force on `on`, CE entries, cases, confirmed exclusions."""

    def rows(sql):
        cursor.execute(sql)
        return cursor.fetchall()

    texts = _Texts(zones)
    day = texts.date
    people = {}
    for pid, name, role, home, email, phone, notify, npi, left in rows(
            'SELECT id, name, role, home_state, email, phone, notify, npi, "left" FROM people'):
        people[pid] = Person(pid, name, role, home, email, phone, tuple(
            Channel(n["url"], tuple(n["stages"]) if n.get("stages") is not None else None)
            for n in parse_json(notify)), npi=npi, left=day(left))
    chosen: dict[str, tuple] = {}
    found = rows(f"SELECT {', '.join(CREDENTIAL_COLUMNS)} FROM credentials "
                 "ORDER BY credential_id, version")
    # SQLite gives ISO text, which compares like the dates it spells
    as_of = on.isoformat() if found and isinstance(found[0][-1], str) else on
    for row in found:
        if row[0] not in chosen or row[-1] <= as_of:
            chosen[row[0]] = row
    del found
    credentials = tuple(_credential(row, texts) for row in chosen.values())
    ce = tuple(CEEntry(p, c, day(d), h, cat, prov) for p, c, d, h, cat, prov in rows(
        "SELECT person, credential, date, hours, category, provider FROM ce_entries"))
    cases = tuple(_case(row, texts) for row in rows(
        'SELECT id, facility, start, "end", procedure, technologist, reader, fields '
        "FROM cases ORDER BY start, id"))
    exclusions = tuple(
        Exclusion(person, lst, day(since), day(until), kind or "")
        for person, lst, since, until, kind in rows(
            'SELECT person, "list", since, "until", kind FROM exclusion_matches '
            "WHERE decision = 'confirmed' ORDER BY person, since"))
    return Snapshot(people=people, credentials=credentials, ce=ce, cases=cases,
                    exclusions=exclusions)
