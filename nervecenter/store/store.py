"""The Store: people, credential versions, CE entries and cases in the database.

    store.snapshot(on)            the Snapshot the rules evaluate: one query per table
    store.apply(conn, records, actor)   upsert records read by data/roster.py (the importer's write)
    store.renew(...)              record a renewal: submitted, or a new version with a new expiry
    store.history(credential_id)  every version of one credential, oldest first
    store.audit_log(...)          the append-only log of every change

History: a change of `expires` or `issued` is a renewal and adds a version (the old one stays);
a change of anything else (number, issuer, status, verification, documents) corrects the current
version in place. Both are written to the audit log with before/after. The version in force on a
date D is the newest whose `valid_from` <= D — `valid_from` is the version's issue date when it
brought a new one, else the day it was recorded; before its first version's `valid_from` a
credential shows its first version (what is known of it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from pathlib import Path

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    Engine,
    String,
    bindparam,
    delete,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError

from nervecenter.core import clock
from nervecenter.core.errors import FileProblem, NerveCenterError
from nervecenter.core.model import (
    STATUSES,
    Channel,
    Credential,
    Person,
    Verification,
    credential_id,
)
from nervecenter.store.changes import Changes
from nervecenter.store.db import Read, begin_write, driver_cursor
from nervecenter.store.reading import Reading
from nervecenter.store.records import Record, json_text
from nervecenter.store.snapshot import parse_date
from nervecenter.store.tables import audit_log as A
from nervecenter.store.tables import cases as K
from nervecenter.store.tables import ce_entries as E
from nervecenter.store.tables import credentials as C
from nervecenter.store.tables import exclusion_matches as X
from nervecenter.store.tables import people as P
from nervecenter.store.tables import screenings as S
from nervecenter.store.tables import source_problems as SP

PERSON_FIELDS = ("id", "name", "role", "home_state", "email", "phone", "notify", "npi", "left")
CASE_FIELDS = ("id", "facility", "start", "end", "procedure", "technologist", "reader", "fields")
VERSIONED = ("issued", "expires")  # a change here is a renewal: a new version


def sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# ---------------------------------------------------------------- rows <-> records <-> model


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _credential_record(row) -> dict:
    m = row._mapping
    verified = ({"on": _iso(m["verified_on"]), "by": m["verified_by"] or "",
                 "method": m["verified_method"] or ""} if m["verified_on"] else None)
    return {"person": m["person"], "type": m["type"], "scope": m["scope"], "number": m["number"],
            "issuer": m["issuer"], "issued": _iso(m["issued"]), "expires": _iso(m["expires"]),
            "status": m["status"], "verified": verified,
            "documents": [d["path"] for d in m["documents"] or []]}


def _credential(m) -> Credential:
    verified = (Verification(m["verified_on"], m["verified_by"] or "", m["verified_method"] or "")
                if m["verified_on"] else None)
    return Credential(person=m["person"], type=m["type"], expires=m["expires"], scope=m["scope"],
                      number=m["number"], issuer=m["issuer"], issued=m["issued"],
                      status=m["status"], verified=verified,
                      documents=tuple(d["path"] for d in m["documents"] or ()),
                      version=m["version"])


def _masked_notify(data):
    """A person's values with each `notify` URL in its privacy form (secrets as ****)."""
    if not isinstance(data, dict) or not data.get("notify"):
        return data
    from nervecenter.core import plugins
    from nervecenter.core.channels import Channels, scheme_of

    try:
        privacy = Channels(plugins.registry().channels.values()).privacy
    except Exception:  # noqa: BLE001 - a broken plugin must not put a secret in the log
        def privacy(url):
            return f"{scheme_of(url) or '?'}://****"
    shown = []
    for n in data["notify"]:
        if isinstance(n, dict):
            shown.append({**n, "url": privacy(str(n.get("url")))})
        else:
            shown.append(privacy(str(n)))
    return {**data, "notify": shown}


def _person(m) -> Person:
    return Person(id=m["id"], name=m["name"], role=m["role"], home_state=m["home_state"],
                  email=m["email"], phone=m["phone"], npi=m.get("npi"),
                  notify=tuple(Channel(n["url"], tuple(n["stages"]) if n.get("stages") is not None
                                       else None) for n in m["notify"] or ()),
                  left=parse_date(m["left"]))


def _membership(conn: Connection, records: list[Record], today: date) -> list[Record]:
    """People records as the table holds them: `active: false` without a `left` day becomes
    left on the day it is first imported (kept on later imports)."""
    inactive = [r.key for r in records if not r.data.get("active", True) and not r.data["left"]]
    known = dict(conn.execute(select(P.c.id, P.c.left).where(P.c.id.in_(inactive))).all()) \
        if inactive else {}
    out = []
    for r in records:
        data = {k: v for k, v in r.data.items() if k != "active"}
        if r.key in inactive:
            data["left"] = known.get(r.key) or today.isoformat()
        out.append(Record(r.kind, r.key, data, r.file, r.line))
    return out


def mark_left(conn: Connection, store, people: Iterable[str], actor: str, changes) -> None:
    """People gone from the source file that gave them: left today, never deleted."""
    today = clock.today(store.timezone).isoformat()
    audit: list[dict] = []
    for pid in people:
        if conn.execute(select(P.c.id).where(P.c.id == pid, P.c.left.is_(None))).first():
            conn.execute(update(P).where(P.c.id == pid).values(left=today))
            store._audit(audit, actor, "person", pid, "leave", {"left": None}, {"left": today})
            changes.count("person", "left")
            changes.lines.append(f"person {pid}: left the practice on {today} (no longer in "
                                 "its source)")
    if audit:
        bulk_insert(conn, A, audit)


def bulk_insert(conn: Connection, table, rows: list[dict]) -> None:
    """INSERT many rows through the DB-API's executemany: JSON and dates converted here once,
    column by column, instead of SQLAlchemy's per-value processing (a third of a 60,000-row
    import otherwise). A date may also be given as its ISO text."""
    if not rows:
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    values = []  # each column as an iterator: zip below takes one value of each at a time
    for c in columns:
        column = map(itemgetter(c.name), rows)
        if isinstance(c.type, JSON):
            values.append(map(_json_text, column))
        elif isinstance(c.type, Date):
            values.append([v if v is None or v.__class__ is str else v.isoformat()
                           for v in column])
        else:
            values.append(column)
    conn.exec_driver_sql(sql, list(zip(*values)))


def _json_text(value) -> str | None:
    """A JSON column's text, as SQLAlchemy's JSON type writes it (json.dumps)."""
    if value is None:
        return None
    if value == [] or value == {}:
        return "[]" if value == [] else "{}"
    return json_text(value)


class _Written(list):
    """Rows for one table, inserted (bulk_insert) a few thousand at a time in the order they
    come, so that a large import never holds all of them at once."""

    def __init__(self, conn: Connection, table, batch: int = 5000):
        super().__init__()
        self.conn, self.table, self.batch = conn, table, batch

    def append(self, row: dict) -> None:
        super().append(row)
        if len(self) >= self.batch:
            self.flush()

    def flush(self) -> None:
        bulk_insert(self.conn, self.table, self)
        self.clear()


class Store(Reading):
    """The database of one practice. `config_dir` resolves relative document paths. Reads
    (store/reading.py) go through the engine's connections."""

    def __init__(self, engine: Engine, config_dir: Path | None = None, timezone: str = "UTC",
                 zones: dict[str, str] | None = None):
        super().__init__(config_dir, timezone, zones)
        self.engine = engine

    # ------------------------------------------------------------ reading

    @contextmanager
    def _cursor(self):
        with self.engine.connect() as conn:
            yield conn.connection.dbapi_connection.cursor()

    @property
    def _mark(self) -> str:
        """The DB-API driver's parameter placeholder."""
        return "?" if self.engine.dialect.name == "sqlite" else "%s"

    def record_source_problems(self, failed: dict[str, tuple[str, str]], checked: Iterable[str],
                               sources: Iterable[str]) -> None:
        """Remember which of the `checked` sources failed (`failed`: absolute path -> (name,
        first problem)); forget the others and any file no longer in `sources`. Writes only
        what changed, so a sync that finds the same problem again costs one read."""
        checked, sources = set(checked), set(sources)
        with self.engine.connect() as conn:
            known = {r["source"]: r for r in conn.execute(select(SP)).mappings()}
        gone = [s for s in known if (s in checked and s not in failed) or s not in sources]
        new = {s: v for s, v in failed.items() if s not in known}
        changed = {s: v for s, v in failed.items()
                   if s in known and (known[s]["problem"], known[s]["file"]) != (v[1], v[0])}
        if not (gone or new or changed):
            return
        since = clock.utcnow().isoformat(timespec="seconds")
        try:
            with self.engine.begin() as conn:
                if gone:
                    conn.execute(delete(SP).where(SP.c.source.in_(gone)))
                for s, (file, problem) in new.items():
                    conn.execute(insert(SP).values(source=s, file=file, problem=problem[:2000],
                                                   since=since))
                for s, (file, problem) in changed.items():
                    conn.execute(update(SP).where(SP.c.source == s)
                                 .values(file=file, problem=problem[:2000]))
        except IntegrityError:
            pass  # another process (the daemon, a web worker) recorded the same problem first

    def history(self, cid: str) -> list[Credential]:
        """Every version of one credential (`person:type[:scope]`), oldest first."""
        return [_credential(m) for m in self.versions(cid)]

    def versions(self, cid: str) -> list[dict]:
        """Every version as stored, with valid_from, recorded_at and recorded_by, oldest first."""
        return self.versions_of([cid]).get(cid, [])

    def versions_of(self, cids) -> dict[str, list[dict]]:
        """`versions` of several credentials in one query, by credential id."""
        out: dict[str, list[dict]] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(C).where(C.c.credential_id.in_(list(cids)))
                                .order_by(C.c.credential_id, C.c.version)).mappings()
            for m in rows:
                out.setdefault(m["credential_id"], []).append(dict(m))
        return out

    def shown_history(self, person: str) -> dict[str, list[tuple]]:
        """The versions of a person's credentials as their page shows them, oldest first, by
        credential id: (version, number, issued, expires, status, recorded_at, recorded_by),
        the dates as the driver gives them (read by the person index, without the other
        columns, on the driver's cursor without SQLAlchemy: every person page asks)."""
        out: dict[str, list[tuple]] = {}
        with driver_cursor(self.engine) as cursor:
            for cid, *row in _SHOWN_HISTORY.execute(cursor, self.engine.dialect,
                                                    {"person": person}):
                out.setdefault(cid, []).append(row)
        return out

    def people_roles(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(P.c.id, P.c.role)).all())

    def people_emails(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {e: i for i, e in conn.execute(select(P.c.id, P.c.email)) if e}

    def audit_log(self, entity: str | None = None, key: str | None = None) -> list[dict]:
        """Audit entries, oldest first, optionally of one entity kind and key."""
        query = select(A).order_by(A.c.id)
        if entity:
            query = query.where(A.c.entity == entity)
        if key:
            query = query.where(A.c.key == key)
        with self.engine.connect() as conn:
            return [dict(m) for m in conn.execute(query).mappings()]

    def document_rows(self) -> list[tuple[str, str, str | None]]:
        """(credential id, path, sha256) of the documents of every credential's newest version."""
        latest: dict[str, list] = {}
        with self.engine.connect() as conn:
            q = select(C.c.credential_id, C.c.documents).order_by(C.c.credential_id, C.c.version)
            for cid, docs in conn.execute(q):
                latest[cid] = docs or []
        return [(cid, d["path"], d.get("sha256")) for cid, docs in latest.items() for d in docs]

    # ------------------------------------------------------------ writing

    def _documents(self, paths: Iterable[str]) -> list[dict]:
        out = []
        for p in paths:
            full = Path(p) if Path(p).is_absolute() or self.config_dir is None \
                else self.config_dir / p
            out.append({"path": p, "sha256": sha256_of(full)})
        return out

    def audit(self, actor: str, entity: str, key: str, action: str, before=None,
              after=None) -> None:
        """Append one entry for a change made elsewhere (e.g. a silence set in the web)."""
        with self.engine.begin() as conn:
            conn.execute(insert(A), [{"at": clock.utcnow().isoformat(timespec="seconds"), "actor": actor, "entity": entity,
                                      "key": key, "action": action, "before": before,
                                      "after": after}])

    def _audit(self, rows: list, actor: str, entity: str, key: str, action: str, before, after,
               at: str | None = None):
        if entity == "person":  # the log is for display: channel URLs in their privacy form
            before, after = _masked_notify(before), _masked_notify(after)
        rows.append({"at": at or clock.utcnow().isoformat(timespec="seconds"), "actor": actor,
                     "entity": entity, "key": key, "action": action, "before": before,
                     "after": after})

    def apply(self, conn: Connection, records: list[Record], actor: str, changes: Changes,
              remove_cases: Iterable[str] = ()) -> None:
        """Upsert records by natural key inside the caller's transaction; audit every change.
        Records may come in any order: people are written first, then their credentials, CE
        entries and cases."""
        audit = _Written(conn, A)
        today = clock.today(self.timezone)
        now = clock.utcnow().isoformat(timespec="seconds")
        by_kind: dict[str, list[Record]] = {}
        for r in records:
            by_kind.setdefault(r.kind, []).append(r)

        people = _membership(conn, by_kind.get("person", []), today)
        self._upsert_by_id(conn, P, PERSON_FIELDS, "person", people, actor, changes, audit, now)
        creds = by_kind.get("credential", [])
        if creds:
            self._apply_credentials(conn, creds, actor, changes, audit, today, now)

        ce = by_kind.get("ce", [])
        if ce:
            existing = {}
            for m in conn.execute(select(E)).mappings():
                key = ":".join([m["person"], m["credential"], m["date"].isoformat(),
                                m["category"], m["provider"]])
                existing[key] = m
            new = []
            for r in ce:
                m = existing.get(r.key)
                row = {**r.data, "date": date.fromisoformat(r.data["date"])}
                if m is None:
                    new.append(row)
                    self._audit(audit, actor, "ce", r.key, "add", None, r.data, now)
                    changes.count("ce", "added")
                elif m["hours"] != r.data["hours"]:
                    conn.execute(update(E).where(E.c.pk == m["pk"]).values(hours=r.data["hours"]))
                    self._audit(audit, actor, "ce", r.key, "change", {"hours": m["hours"]},
                                {"hours": r.data["hours"]}, now)
                    changes.count("ce", "changed")
                else:
                    changes.count("ce", "unchanged")
            if new:
                conn.execute(insert(E), new)

        self._upsert_by_id(conn, K, CASE_FIELDS, "case", by_kind.get("case", []), actor,
                           changes, audit, now)
        for cid in remove_cases:
            before = conn.execute(select(K).where(K.c.id == cid)).mappings().first()
            if before is not None:
                conn.execute(delete(K).where(K.c.id == cid))
                self._audit(audit, actor, "case", cid, "remove",
                            {f: before[f] for f in CASE_FIELDS}, None, now)
                changes.count("case", "removed")
                changes.lines.append(f"case {cid}: removed (no longer in its source)")
        audit.flush()

    def _upsert_by_id(self, conn, table, fields, kind, records, actor, changes, audit,
                      now: str) -> None:
        """Insert new and update changed rows of a table keyed by `id` (people, cases)."""
        if not records:
            return
        query = select(table)
        if len(records) < 500:  # a few rows: look up just those; many: one scan is cheaper
            query = query.where(table.c.id.in_([r.key for r in records]))
        current = {m["id"]: {f: m[f] for f in fields} for m in conn.execute(query).mappings()}
        new, changed = [], []
        for r in records:
            before = current.get(r.key)
            if before is None:
                new.append(r.data)
                self._audit(audit, actor, kind, r.key, "add", None, r.data, now)
                changes.count(kind, "added")
            elif before != r.data:
                changed.append({**r.data, "_id": r.key})
                self._audit(audit, actor, kind, r.key, "change", before, r.data, now)
                changes.count(kind, "changed")
                changes.lines.append(f"{kind} {r.key}: changed")
            else:
                changes.count(kind, "unchanged")
        if new:
            bulk_insert(conn, table, new)
        if changed:
            conn.execute(update(table).where(table.c.id == bindparam("_id")),
                         [{k: v for k, v in d.items() if k != "id"} for d in changed])

    def _apply_credentials(self, conn, creds, actor, changes, audit, today, now):
        latest: dict[str, dict] = {}
        query = select(C).order_by(C.c.credential_id, C.c.version)
        if len(creds) < 500:
            query = query.where(C.c.credential_id.in_([r.key for r in creds]))
        for m in conn.execute(query).mappings():
            latest[m["credential_id"]] = m
        new, corrected, added = _Written(conn, C), [], 0
        for r in creds:
            d = r.data
            m = latest.get(r.key)
            if m is None:  # the first version: its dates stay the ISO text they were read as
                verified = d["verified"] or {}
                new.append({"credential_id": r.key, "person": d["person"], "type": d["type"],
                            "scope": d["scope"], "number": d["number"], "issuer": d["issuer"],
                            "issued": d["issued"], "expires": d["expires"],
                            "status": d["status"], "verified_on": verified.get("on"),
                            "verified_by": verified.get("by"),
                            "verified_method": verified.get("method"),
                            "documents": self._documents(d["documents"]) if d["documents"]
                            else [], "version": 1,
                            "valid_from": d["issued"] or today, "recorded_at": now,
                            "recorded_by": actor})
                self._audit(audit, actor, "credential", r.key, "add", None,
                            {**d, "version": 1}, now)
                added += 1
                continue
            before = _credential_record(_Row(m))
            if before == d:
                changes.count("credential", "unchanged")
                continue
            issued = date.fromisoformat(d["issued"]) if d["issued"] else None
            row = {"credential_id": r.key, "person": d["person"], "type": d["type"],
                   "scope": d["scope"], "number": d["number"], "issuer": d["issuer"],
                   "issued": issued, "expires": date.fromisoformat(d["expires"]),
                   "status": d["status"],
                   "verified_on": date.fromisoformat(d["verified"]["on"]) if d["verified"] else None,
                   "verified_by": d["verified"]["by"] if d["verified"] else None,
                   "verified_method": d["verified"]["method"] if d["verified"] else None,
                   "documents": self._documents(d["documents"])}
            if m is None or any(before[f] != d[f] for f in VERSIONED):
                new_issue = issued is not None and (m is None or m["issued"] != issued)
                row.update(version=(m["version"] + 1) if m is not None else 1,
                           valid_from=issued if new_issue else today,
                           recorded_at=now, recorded_by=actor)
                new.append(row)
                action = "add" if m is None else "renew"
                self._audit(audit, actor, "credential", r.key, action, before,
                            {**d, "version": row["version"]}, now)
                changes.count("credential", "added" if m is None else "changed")
                if m is not None:
                    changes.lines.append(f"credential {r.key}: renewed, expires "
                                         f"{before['expires']} -> {d['expires']}")
            else:
                corrected.append({**row, "_pk": m["pk"]})
                self._audit(audit, actor, "credential", r.key, "change", before,
                            {**d, "version": m["version"]}, now)
                changes.count("credential", "changed")
                diff = ", ".join(f for f in d if before[f] != d[f])
                changes.lines.append(f"credential {r.key}: {diff} changed")
        if added:
            changes.count("credential", "added", added)
        new.flush()
        if corrected:
            conn.execute(update(C).where(C.c.pk == bindparam("_pk")),
                         [{k: v for k, v in row.items() if k not in ("credential_id",)}
                          for row in corrected])

    def renew(self, person: str, type_id: str, scope: str | None = None, *,
              submitted: bool = False, expires: date | None = None, issued: date | None = None,
              number: str | None = None, document: str | None = None,
              actor: str = "cli", correction: bool = False) -> Credential:
        """Record a renewal: `submitted` marks the current version renewal_submitted; a new
        `expires` adds a version (issued, number, document optional; other values carried over).
        A `correction` is audited as such (action `correct`), not as a renewal."""
        cid = credential_id(person, type_id, scope)
        with self.engine.begin() as conn:
            begin_write(conn)
            m = conn.execute(select(C).where(C.c.credential_id == cid)
                             .order_by(C.c.version.desc()).limit(1)).mappings().first()
            if m is None:
                if not conn.execute(select(P.c.id).where(P.c.id == person)).first():
                    raise NerveCenterError(f"no person {person!r}; check the id "
                                           "(`nervecenter export` lists people)")
                if submitted or expires is None:
                    raise NerveCenterError(f"{person} has no {cid.split(':', 1)[1]} credential to "
                                           "mark submitted; record it with --expires DATE")
            before = _credential_record(_Row(m)) if m is not None else None
            if submitted:
                if m["status"] == "renewal_submitted":
                    return _credential(m)
                conn.execute(update(C).where(C.c.pk == m["pk"]).values(status="renewal_submitted"))
                after = {**before, "status": "renewal_submitted"}
                conn.execute(insert(A), [{"at": clock.utcnow().isoformat(timespec="seconds"), "actor": actor, "entity": "credential",
                                          "key": cid, "action": "change", "before": before,
                                          "after": {**after, "version": m["version"]}}])
                return _credential({**m, "status": "renewal_submitted"})
            documents = list(before["documents"]) if before else []
            if document:
                documents.append(document)
            record = {"person": person, "type": type_id, "scope": scope,
                      "number": number if number is not None else (before or {}).get("number"),
                      "issuer": (before or {}).get("issuer"),
                      "issued": _iso(issued), "expires": expires.isoformat(), "status": "active",
                      "verified": None, "documents": documents}
            changes = Changes()
            self._apply_credentials(conn, [Record("credential", cid, record, "", 0)], actor,
                                    changes, audit := [], clock.today(self.timezone), clock.utcnow().isoformat(timespec="seconds"))
            if correction:
                audit = [{**a, "action": "correct"} if a["action"] == "renew" else a
                         for a in audit]
            if audit:
                bulk_insert(conn, A, audit)
        return self.history(cid)[-1]


    # ------------------------------------------------------------ exclusion screening

    def record_screening(self, on: date, files: list[dict], matches: list[dict],
                         renewals: list[Record], actor: str) -> int:
        """One screening in one transaction: its record, its matches (each
        {person, list, matched_by, decision, kind, since, until, row, entry}) and the renewed
        `exclusion_screening` of everyone screened. A confirmed match with a reinstatement date
        ends the person's earlier confirmed exclusions from that list. Returns its id."""
        now = clock.utcnow().isoformat(timespec="seconds")
        with self.engine.begin() as conn:
            begin_write(conn)
            sid = conn.execute(insert(S).values(
                on=on, files=files, people=len(renewals), matches=len(matches),
                recorded_at=now, recorded_by=actor)).inserted_primary_key[0]
            for m in matches:
                conn.execute(insert(X).values(screening=sid, **m))
                if m["decision"] == "confirmed":
                    _reinstate(conn, m)
            audit: list = []
            self._audit(audit, actor, "screening", str(sid), "add", None,
                        {"on": on.isoformat(), "files": files, "people": len(renewals),
                         "matches": [{k: m[k] for k in ("person", "list", "matched_by",
                                                        "decision")} for m in matches]})
            self._apply_credentials(conn, renewals, actor, Changes(), audit,
                                    clock.today(self.timezone), now)
            bulk_insert(conn, A, audit)
        return sid

    def exclusion_matches(self, person: str | None = None) -> list[dict]:
        """Every match recorded (of one person), oldest first."""
        query = select(X).order_by(X.c.pk)
        if person is not None:
            query = query.where(X.c.person == person)
        with self.engine.connect() as conn:
            return [dict(m) for m in conn.execute(query).mappings()]

    def screenings(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(m) for m in conn.execute(select(S).order_by(S.c.id)).mappings()]

    def decide_matches(self, person: str, decision: str, actor: str) -> int:
        """Confirm or dismiss a person's possible matches; how many were decided."""
        now = clock.utcnow().isoformat(timespec="seconds")
        with self.engine.begin() as conn:
            begin_write(conn)
            pks = [pk for (pk,) in conn.execute(select(X.c.pk).where(
                X.c.person == person, X.c.decision == "possible"))]
            if pks:
                conn.execute(update(X).where(X.c.pk.in_(pks)).values(
                    decision=decision, decided_by=actor, decided_at=now))
                if decision == "confirmed":
                    for m in conn.execute(select(X).where(X.c.pk.in_(pks))).mappings():
                        _reinstate(conn, m)
                conn.execute(insert(A), [{"at": now, "actor": actor, "entity": "screening",
                                          "key": person, "action": "change",
                                          "before": {"decision": "possible"},
                                          "after": {"decision": decision, "matches": pks}}])
        return len(pks)


def _reinstate(conn: Connection, match) -> None:
    """A confirmed match with a reinstatement date ends the person's earlier confirmed
    exclusions from the same list on that date."""
    if match["until"] is not None:
        conn.execute(update(X).where(
            X.c.person == match["person"], X.c.list == match["list"],
            X.c.decision == "confirmed", X.c.until.is_(None)).values(until=match["until"]))


class _Row:
    """Adapts a mapping to the `._mapping` access _credential_record expects."""

    def __init__(self, mapping):
        self._mapping = mapping


def missing_documents(store: Store) -> list[FileProblem]:
    """A problem for every document of a credential's newest version that is missing or whose
    content changed since it was recorded (for `nervecenter check`)."""
    problems = []
    for cid, path, sha in store.document_rows():
        full = Path(path) if Path(path).is_absolute() or store.config_dir is None \
            else store.config_dir / path
        now = sha256_of(full)
        if now is None:
            problems.append(FileProblem(str(path), 0, f"document of {cid} is missing; restore the file "
                                    "or record the credential again without it"))
        elif sha and now != sha:
            problems.append(FileProblem(str(path), 0, f"document of {cid} changed since it was recorded "
                                    f"(SHA-256 {sha[:12]}… now {now[:12]}…)"))
    return problems


__all__ = ["STATUSES", "Changes", "Store", "missing_documents"]


def _text(column):
    """A date column as the driver gives it (SQLite: ISO text; PostgreSQL: a date), unconverted."""
    return type_coerce(column, String).label(column.name)


_SHOWN_HISTORY = Read(select(
    C.c.credential_id, C.c.version, C.c.number, _text(C.c.issued), _text(C.c.expires),
    C.c.status, C.c.recorded_at, C.c.recorded_by).where(
    C.c.person == bindparam("person")).order_by(C.c.credential_id, C.c.version))
