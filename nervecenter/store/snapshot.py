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
from nervecenter.store.collector import paused

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


def _setters(cls, names: tuple[str, ...]):
    """The slot setters of a frozen dataclass's fields: filling the slots directly builds the same
    object as __init__, without its object.__setattr__ per field (several µs an object)."""
    return tuple(getattr(cls, name).__set__ for name in names)


_CREDENTIAL_SLOTS = _setters(Credential, ("person", "type", "expires", "scope", "number", "issuer",
                                          "issued", "status", "verified", "documents", "version"))
_CASE_SLOTS = _setters(Case, ("id", "facility", "start", "end", "procedure", "technologist",
                              "reader", "fields"))


class _Texts:
    """Values parsed once per distinct text and handed out again: dates, moments, and the words
    thousands of rows repeat (person ids, types, states, statuses) as one string object each."""

    def __init__(self, zones: dict[str, ZoneInfo]):
        self.zones = zones
        self._dates: dict = {None: None}
        self._moments: dict[tuple[str, ZoneInfo | None], datetime] = {}
        self.word = {}.setdefault  # word(text, text): the one copy of `text`

    def date(self, value) -> date | None:
        found = self._dates.get(value)
        if found is None and value is not None:
            found = self._dates[value] = parse_date(value)
        return found

    def moment(self, text: str, facility: str) -> datetime:
        """A case's start or end, back in its facility's zone (the text kept only its offset)."""
        zone = self.zones.get(facility)
        found = self._moments.get((text, zone))
        if found is None:
            found = datetime.fromisoformat(text)
            if zone is not None:
                found = found.astimezone(zone)
            self._moments[text, zone] = found
        return found


def _credential(row, texts: _Texts) -> Credential:
    """A Credential from a raw row of CREDENTIAL_COLUMNS."""
    (_, person, type_, scope, version, number, issuer, issued, expires, status, v_on, v_by,
     v_method, documents, _) = row
    day, word = texts.date, texts.word
    obj = object.__new__(Credential)
    s_person, s_type, s_expires, s_scope, s_number, s_issuer, s_issued, s_status, s_verified, \
        s_documents, s_version = _CREDENTIAL_SLOTS
    s_person(obj, word(person, person))
    s_type(obj, word(type_, type_))
    s_expires(obj, day(expires))
    s_scope(obj, word(scope, scope))
    s_number(obj, number)
    s_issuer(obj, word(issuer, issuer))
    s_issued(obj, day(issued))
    s_status(obj, word(status, status))
    s_verified(obj, Verification(day(v_on), v_by or "", v_method or "") if v_on else None)
    s_documents(obj, tuple(d["path"] for d in parse_json(documents)) if documents != "[]" else ())
    s_version(obj, version)
    return obj


def _keys_where(keys, mark: str) -> tuple[str, list]:
    """A WHERE clause for the credentials of these (type, scope) pairs, and its parameters."""
    unscoped = sorted(t for t, scope in keys if scope is None)
    scoped: dict[str, list[str]] = {}
    for t, scope in sorted(k for k in keys if k[1] is not None):
        scoped.setdefault(t, []).append(scope)
    terms, params = [], []
    if unscoped:
        terms.append(f"(scope IS NULL AND type IN ({', '.join([mark] * len(unscoped))}))")
        params += unscoped
    for t, scopes in scoped.items():
        terms.append(f"(type = {mark} AND scope IN ({', '.join([mark] * len(scopes))}))")
        params += [t, *scopes]
    return " WHERE " + " OR ".join(terms), params


def _credentials(cursor, on: date, texts: _Texts, keys=None,
                 mark: str = "?") -> tuple[Credential, ...]:
    """For each credential, the version in force on `on`: the newest whose `valid_from` is on or
    before it, else its first; only those of the (type, scope) pairs `keys`, unless None (all
    versions of a credential share its type and scope: its id is made of them). Rows come by id
    and version, a batch at a time (the whole table at once would double the peak memory of a
    large practice)."""
    if keys is not None and not keys:
        return ()
    where, params = _keys_where(keys, mark) if keys is not None else ("", [])
    cursor.execute(f"SELECT {', '.join(CREDENTIAL_COLUMNS)} FROM credentials{where} "
                   "ORDER BY credential_id, version", params)
    out = []
    current_id, current, as_of = None, None, None
    while batch := cursor.fetchmany(4096):
        if as_of is None:  # SQLite gives ISO text, which compares like the dates it spells
            as_of = on.isoformat() if isinstance(batch[0][-1], str) else on
        for row in batch:
            if row[0] != current_id:
                if current is not None:
                    out.append(_credential(current, texts))
                current_id, current = row[0], row
            elif row[-1] <= as_of:
                current = row
    if current is not None:
        out.append(_credential(current, texts))
    return tuple(out)


def _case(row, texts: _Texts) -> Case:
    """A Case from a raw row, built as _credential builds a Credential."""
    cid, facility, start, end, procedure, tech, reader, fields = row
    word = texts.word
    obj = object.__new__(Case)
    s_id, s_facility, s_start, s_end, s_procedure, s_tech, s_reader, s_fields = _CASE_SLOTS
    s_id(obj, cid)
    s_facility(obj, word(facility, facility))
    s_start(obj, texts.moment(start, facility))
    s_end(obj, texts.moment(end, facility) if end else None)
    s_procedure(obj, word(procedure, procedure))
    s_tech(obj, word(tech, tech))
    s_reader(obj, word(reader, reader))
    s_fields(obj, dict(parse_json(fields) or {}))
    return obj


CASE_COLUMNS = 'id, facility, start, "end", procedure, technologist, reader, fields'


def read_case(cursor, case_id: str, zones: dict[str, ZoneInfo], mark: str = "?") -> Case | None:
    """One case by its id, as a snapshot holds it."""
    cursor.execute(f"SELECT {CASE_COLUMNS} FROM cases WHERE id = {mark}", [case_id])
    row = cursor.fetchone()
    return _case(row, _Texts(zones)) if row else None


def read(cursor, on: date, zones: dict[str, ZoneInfo], focus=None, mark: str = "?") -> Snapshot:
    """The snapshot of `on` through a DB-API cursor: people, for each credential the version in
    force on `on`, CE entries, cases, confirmed exclusions.

    With a `focus` (rules.evaluate.Focus), only what its question can see: the cases written
    from its `days` (all when None), and the credentials of its `keys(cases)`. `mark` is the
    driver's parameter placeholder."""
    with paused():
        return _read(cursor, on, zones, focus, mark)


def _read(cursor, on: date, zones: dict[str, ZoneInfo], focus, mark: str) -> Snapshot:

    def rows(sql, params=()):
        cursor.execute(sql, params)
        return cursor.fetchall()

    texts = _Texts(zones)
    day, word = texts.date, texts.word
    people = {}
    for pid, name, role, home, email, phone, notify, npi, left in rows(
            'SELECT id, name, role, home_state, email, phone, notify, npi, "left" FROM people'):
        pid = word(pid, pid)
        people[pid] = Person(pid, name, word(role, role), home, email, phone, tuple(
            Channel(n["url"], tuple(n["stages"]) if n.get("stages") is not None else None)
            for n in parse_json(notify)), npi=npi, left=day(left))
    days = focus.days if focus is not None else None
    # a start's first ten characters are its day as written: the same shape in every row, so
    # any collation orders them as dates
    where = f" WHERE substr(start, 1, 10) BETWEEN {mark} AND {mark}" if days else ""
    cases = tuple(_case(row, texts) for row in rows(
        f"SELECT {CASE_COLUMNS} FROM cases{where} ORDER BY start, id",
        [d.isoformat() for d in days] if days else ()))
    credentials = _credentials(cursor, on, texts, focus.keys(cases) if focus else None, mark)
    ce = tuple(CEEntry(word(p, p), c, day(d), h, cat, prov) for p, c, d, h, cat, prov in rows(
        "SELECT person, credential, date, hours, category, provider FROM ce_entries"))
    exclusions = tuple(
        Exclusion(word(person, person), lst, day(since), day(until), kind or "")
        for person, lst, since, until, kind in rows(
            'SELECT person, "list", since, "until", kind FROM exclusion_matches '
            "WHERE decision = 'confirmed' ORDER BY person, since"))
    return Snapshot(people=people, credentials=credentials, ce=ce, cases=cases,
                    exclusions=exclusions, focus=focus)
