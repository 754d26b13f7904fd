"""The alert ledger: what was planned (alerts), where each went and how (deliveries), silences.

    alerts      one row per alert key, with its message; never changed once written
    deliveries  one row per (alert key, recipient, channel URL): pending -> sent | failed,
                attempts, next_attempt_at, sending_since (in flight), last_error (masked)
    silences    no credential alerts for a person / type / credential through a date

`deliveries.url` is the channel URL as configured, used only to send; everything shown (the
`channel` column, errors, `alerts log`, the web) is Apprise's privacy form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    func,
    select,
    type_coerce,
)

from nervecenter.alerts.planning import Alert, FailedDelivery, History, Silence
from nervecenter.core import clock
from nervecenter.store.db import METADATA, Read, driver_cursor

FAILED_IN_DIGEST_DAYS = 8  # a digest lists deliveries that failed for good this recently
# a delivery's status: `summarized` rows are lines of a first-run summary, never sent themselves
STATUSES = ("pending", "sent", "failed", "dropped", "summarized")


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, so SQL comparisons work on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


# Core tables, not ORM classes: a `run` imports the ledger, and sqlalchemy.orm took 50-80 ms
# of its start
alerts_t = Table(
    "alerts", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False, unique=True),
    Column("kind", String(30), nullable=False, index=True),
    Column("person", String(100), index=True),
    Column("credential", String(250), index=True),
    Column("version", Integer),
    Column("stage", Integer),
    Column("case_id", String(100), index=True),
    Column("as_of", Date, nullable=False, index=True),
    Column("planned_at", UTCDateTime, nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
)

# Who an alert is to or about (its person and its recipients): the log of one person is one
# index range, whatever the size of the ledger.
alert_people_t = Table(
    "alert_people", METADATA,
    Column("person", String(100), primary_key=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), primary_key=True),
)

deliveries_t = Table(
    "deliveries", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(400), ForeignKey("alerts.key"), nullable=False, index=True),
    Column("recipient", String(100), nullable=False, index=True),
    Column("url", Text, nullable=False),  # as configured: to send only, never to show
    Column("channel", Text, nullable=False),  # privacy form, for display
    Column("status", String(10), nullable=False, index=True),  # one of STATUSES
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False, index=True),
    Column("sending_since", UTCDateTime),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime),
    UniqueConstraint("alert_key", "recipient", "url"),
)

silences_t = Table(
    "silences", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person", String(100)),
    Column("type", String(100)),
    Column("credential", String(250)),
    Column("until", Date, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("by", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# what the log shows: never the message bodies (text, html), which are most of a row
LOG_COLUMNS = ("id", "key", "kind", "person", "credential", "stage", "case_id", "as_of",
               "planned_at", "recipients", "title")


class Ledger:
    """Reading and writing the ledger tables of one database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # ------------------------------------------------------------------ planning's view

    def history(self, now: datetime | None = None) -> History:
        now = now or clock.utcnow()
        h = History()
        with self.engine.connect() as conn:
            # every alert of the ledger (64,000 after a first run at 5,000 people): DB-API rows,
            # without SQLAlchemy's Row for each
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute(str(select(alerts_t.c.key, alerts_t.c.kind, alerts_t.c.credential,
                                      alerts_t.c.version, alerts_t.c.stage, alerts_t.c.case_id)
                               .order_by(alerts_t.c.id).compile(dialect=conn.dialect)))
            while batch := cursor.fetchmany(4096):
                for row in batch:
                    h.record(*row)
            cursor.close()
            since = now - timedelta(days=FAILED_IN_DIGEST_DAYS)
            failed = conn.execute(
                select(deliveries_t.c.alert_key, deliveries_t.c.recipient, deliveries_t.c.channel,
                       deliveries_t.c.last_error)
                .where(deliveries_t.c.status == "failed", deliveries_t.c.next_attempt_at >= since)
                .order_by(deliveries_t.c.id))
            h.failed = tuple(FailedDelivery(k, r, c, e or "") for k, r, c, e in failed)
            h.reached = set(conn.execute(select(deliveries_t.c.recipient).distinct()).scalars())
        return h

    def silences(self, on: date | None = None) -> list[Silence]:
        """Silences in force on `on` (all of them when None)."""
        q = select(silences_t).order_by(silences_t.c.id)
        if on is not None:
            q = q.where(silences_t.c.until >= on)
        with self.engine.connect() as conn:
            return [Silence(r.until, r.person, r.type, r.credential, r.reason, r.by)
                    for r in conn.execute(q)]

    def add_silence(self, silence: Silence, now: datetime | None = None) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(silences_t.insert().values(
                person=silence.person, type=silence.type, credential=silence.credential,
                until=silence.until, reason=silence.reason, by=silence.by,
                created_at=now or clock.utcnow()))
            return result.inserted_primary_key[0]

    # ------------------------------------------------------------------ the outbox

    def enqueue(self, alerts: Iterable[Alert], as_of: date, privacy,
                now: datetime | None = None) -> tuple[int, int]:
        """Write new alerts and one pending delivery per target, in one transaction, before
        anything is sent; a target an alert reaches only through a first-run summary gets a
        `summarized` row instead. Keys already in the ledger are skipped. Returns (alerts,
        pending deliveries)."""
        now = now or clock.utcnow()
        alerts = list(alerts)
        if not alerts:
            return 0, 0
        with self.engine.begin() as conn:
            keys = [a.key for a in alerts]
            existing = {k for at in range(0, len(keys), 500) for k in conn.execute(
                select(alerts_t.c.key).where(alerts_t.c.key.in_(keys[at:at + 500]))).scalars()}
            new = [a for a in alerts if a.key not in existing]
            if not new:
                return 0, 0
            pending = 0
            for at in range(0, len(new), 2000):  # a first run's rows are not all held at once
                chunk = new[at:at + 2000]
                before = conn.execute(select(func.max(alerts_t.c.id))).scalar() or 0
                conn.execute(alerts_t.insert(), [{
                    "key": a.key, "kind": a.kind, "person": a.person, "credential": a.credential,
                    "version": a.version, "stage": a.stage, "case_id": a.case, "as_of": as_of,
                    "planned_at": now, "recipients": list(a.recipients), "title": a.message.title,
                    "text": a.message.text, "html": a.message.html} for a in chunk])
                for a in chunk:
                    a.forget_texts()
                ids = dict(conn.execute(select(alerts_t.c.key, alerts_t.c.id)
                                        .where(alerts_t.c.id > before)).all())
                people = [{"person": p, "alert_id": ids[a.key]}
                          for a in chunk for p in _unique((a.person, *a.recipients))]
                if people:
                    conn.execute(alert_people_t.insert(), people)
                rows = [{"alert_key": a.key, "recipient": t.recipient, "url": t.url,
                         "channel": privacy(t.url), "status": status, "attempts": 0,
                         "next_attempt_at": now} for a in chunk
                        for status, targets in (("pending", a.targets),
                                                ("summarized", a.summarized))
                        for t in dict.fromkeys(targets)]
                if rows:
                    conn.execute(deliveries_t.insert(), rows)
                pending += sum(1 for r in rows if r["status"] == "pending")
        return len(new), pending

    # ------------------------------------------------------------------ reading it back

    def log(self, *, person: str | None = None, kind: str | None = None,
            status: str | None = None, since: date | None = None,
            limit: int | None = 200, offset: int = 0,
            before: int | None = None, recipient: str | None = None) -> list[dict]:
        """Alerts, newest first, each with its deliveries (privacy-form channels only; with
        `recipient`, only those to them): filtered, ordered and paged in SQL (`offset`, or
        `before` an alert id). Reads no message body."""
        if person and recipient == person and limit and not (kind or since or before or status
                                                               or offset):
            alerts, deliveries = self._newest_of(person, limit)  # every person page
        else:
            alerts, deliveries = self._log(person, kind, status, since, limit, offset, before,
                                           recipient)
        # rows are made from the driver's values (as the log shows them, without SQLAlchemy's
        # conversions to datetime and back): an alert page is read on every person page
        iso = _Iso()
        return [{"key": key, "kind": kind, "person": person_, "credential": credential,
                 "stage": stage, "case": case, "as_of": _day(as_of),
                 "planned_at": iso(planned_at), "recipients": _list(recipients),
                 "title": title,
                 "deliveries": [{"recipient": to_, "channel": channel, "status": status_,
                                 "attempts": attempts, "last_error": error,
                                 "next_attempt_at": (iso(retry) if status_ == "pending"
                                                     else None),
                                 "sent_at": iso(sent)}
                                for _, to_, channel, status_, attempts, error, retry, sent
                                in deliveries.get(key, ())]}
                for _, key, kind, person_, credential, stage, case, as_of, planned_at,
                recipients, title in alerts]

    def _newest_of(self, person: str, limit: int) -> tuple[list, dict[str, list]]:
        """A person's `limit` newest alerts and their deliveries to that person: `_log`'s
        rows, read by two fixed statements on the driver's cursor (a person page's)."""
        deliveries: dict[str, list] = {}
        params = {"person": person, "limit": limit}
        with driver_cursor(self.engine) as cursor:
            alerts = _NEWEST_OF.execute(cursor, self.engine.dialect, params).fetchall()
            for row in _NEWEST_DELIVERIES.execute(cursor, self.engine.dialect, params):
                deliveries.setdefault(row[0], []).append(row)
        return alerts, deliveries

    def _log(self, person, kind, status, since, limit, offset, before,
             recipient) -> tuple[list, dict[str, list]]:
        a = alerts_t
        q = _LOG_ALERTS
        if person:
            # ordered by the index's own column: read backwards from the newest, stopped at
            # `limit` (by alerts.id, SQLite would sort all of a manager's 17,000 rows first)
            q = q.join(alert_people_t, alert_people_t.c.alert_id == a.c.id).where(
                alert_people_t.c.person == person).order_by(alert_people_t.c.alert_id.desc())
        else:
            q = q.order_by(a.c.id.desc())
        if kind:
            q = q.where(a.c.kind == kind)
        if since:
            q = q.where(a.c.as_of >= since)
        if before:
            q = q.where(a.c.id < before)
        if status:
            q = q.where(select(deliveries_t.c.id).where(deliveries_t.c.alert_key == a.c.key,
                                                        deliveries_t.c.status == status).exists())
        if limit:
            q = q.limit(limit)
        if offset:
            q = q.offset(offset)
        d = deliveries_t
        to = _LOG_DELIVERIES
        if recipient is not None:
            to = to.where(d.c.recipient == recipient)
        with self.engine.connect() as conn:
            alerts = conn.execute(q).all()
            deliveries: dict[str, list] = {}
            keys = [r[1] for r in alerts]
            for chunk in range(0, len(keys), 500):
                for row in conn.execute(to.where(d.c.alert_key.in_(keys[chunk:chunk + 500]))):
                    deliveries.setdefault(row[0], []).append(row)
        return alerts, deliveries

    def counts(self) -> dict[str, int]:
        """Deliveries by status (pending, sent, failed, and the others that occur)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(deliveries_t.c.status, func.count())
                                .group_by(deliveries_t.c.status))
            return {"pending": 0, "sent": 0, "failed": 0} | dict(rows.all())


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _raw(column):
    """`column` as the driver returns it (no result processing: see `_Iso`, `_day`, `_list`)."""
    # SQLite gives text; PostgreSQL's driver a date, a datetime, a list
    return type_coerce(column, String).label(column.name) \
        if isinstance(column.type, UTCDateTime | Date | JSON) else column


# the log's two statements, built once: every person page and page of the alert log reads them
_LOG_ALERTS = select(*(_raw(alerts_t.c[c]) for c in LOG_COLUMNS))
_LOG_DELIVERIES = select(
    deliveries_t.c.alert_key, deliveries_t.c.recipient, deliveries_t.c.channel,
    deliveries_t.c.status, deliveries_t.c.attempts, deliveries_t.c.last_error,
    _raw(deliveries_t.c.next_attempt_at), _raw(deliveries_t.c.sent_at)).order_by(deliveries_t.c.id)


# a person's newest alerts (`limit`), and their deliveries to that person: a person page's
_NEWEST = (select(alerts_t.c.key)
           .join(alert_people_t, alert_people_t.c.alert_id == alerts_t.c.id)
           .where(alert_people_t.c.person == bindparam("person"))
           .order_by(alert_people_t.c.alert_id.desc()).limit(bindparam("limit")))
_NEWEST_OF = Read(_LOG_ALERTS.join(alert_people_t, alert_people_t.c.alert_id == alerts_t.c.id)
                  .where(alert_people_t.c.person == bindparam("person"))
                  .order_by(alert_people_t.c.alert_id.desc()).limit(bindparam("limit")))
_NEWEST_DELIVERIES = Read(_LOG_DELIVERIES.where(
    deliveries_t.c.recipient == bindparam("person"), deliveries_t.c.alert_key.in_(_NEWEST)))


class _Iso:
    """A UTC datetime column's raw value as `_iso` shows it; each distinct value converted
    once (an alert page's alerts mostly share their planned_at)."""

    def __init__(self):
        self.seen: dict = {None: None}

    def __call__(self, raw) -> str | None:
        if raw not in self.seen:
            # SQLite's text is YYYY-MM-DD HH:MM:SS[.ffffff]; naive UTC either way
            value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
            self.seen[raw] = _iso(value.replace(tzinfo=UTC))
        return self.seen[raw]


def _day(raw) -> str:
    return raw if isinstance(raw, str) else raw.isoformat()


def _list(raw) -> list:
    return json.loads(raw) if isinstance(raw, str | bytes) else list(raw)


def _unique(ids) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))
