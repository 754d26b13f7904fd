"""The alert log is filtered, ordered and paged in SQL (Ledger.log): by person (to or about
them), kind, delivery status and date, newest first, page by page through the whole ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from nervecenter.alerts import messages
from nervecenter.alerts.ledger import Ledger
from nervecenter.alerts.planning import Alert, Target
from nervecenter.store import db, migrations

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def ledger(database_url):
    engine = db.create(database_url)
    migrations.ensure_current(engine)
    yield Ledger(engine)
    engine.dispose()


def alert(i: int, person: str | None, recipients: tuple[str, ...], kind="stage") -> Alert:
    return Alert(f"{kind}:{i}", kind, recipients,
                 tuple(Target(r, f"file:///tmp/{r}.jsonl") for r in recipients if r != "nobody"),
                 messages.Message(f"alert {i}", "text " * 50, "<p>html</p>" * 50), person=person)


def test_filtered_and_paged_in_sql(ledger):
    # 300 alerts: every third about t-price (to them and dana), the rest to dana only;
    # the last ten are digests to dana; one goes to a person without a channel.
    alerts = [alert(i, "t-price", ("t-price", "dana")) if i % 3 == 0 else
              alert(i, None, ("dana",)) for i in range(290)]
    alerts += [alert(i, None, ("dana",), kind="digest") for i in range(290, 300)]
    alerts.append(alert(300, "r-adams", ("nobody",)))
    assert ledger.enqueue(alerts[:150], date(2026, 11, 30), str, NOW) == (150, 200)
    assert ledger.enqueue(alerts[150:], date(2026, 12, 1), str, NOW)[0] == 151

    mine = ledger.log(person="t-price", limit=None)
    assert [a["key"] for a in mine] == [f"stage:{i}" for i in range(288, -1, -3)]
    assert [a["key"] for a in ledger.log(person="nobody")] == ["stage:300"]
    assert [a["key"] for a in ledger.log(person="r-adams")] == ["stage:300"]

    # page through dana's whole log, 40 at a time
    seen, before = [], None
    while page := ledger.log(person="dana", limit=40, before=before):
        seen += [a["key"] for a in page]
        before = ledger_id(ledger, page[-1]["key"])
    assert len(seen) == 300 and len(set(seen)) == 300
    assert seen[:10] == [f"digest:{i}" for i in range(299, 289, -1)]

    assert len(ledger.log(kind="digest")) == 10
    assert len(ledger.log(since=date(2026, 12, 1), limit=None)) == 151
    assert ledger.log(status="failed") == []
    pending = ledger.log(status="pending", limit=5)
    assert len(pending) == 5 and pending[0]["deliveries"][0]["status"] == "pending"


def ledger_id(ledger: Ledger, key: str) -> int:
    from sqlalchemy import select

    from nervecenter.alerts.ledger import alerts_t

    with ledger.engine.connect() as conn:
        return conn.execute(select(alerts_t.c.id).where(alerts_t.c.key == key)).scalar()


def test_rows_read_as_the_driver_gives_them_show_the_same_values(ledger):
    # The log converts the driver's values itself (text on SQLite; date, datetime and a list
    # on PostgreSQL): each field as an aware UTC datetime to seconds, the day, the list.
    from sqlalchemy import update

    from nervecenter.alerts.ledger import deliveries_t

    planned = datetime(2026, 12, 1, 12, 30, 59, 987654, tzinfo=UTC)
    ledger.enqueue([alert(1, "t-price", ("t-price", "dana")), alert(2, None, ("dana",))],
                   date(2026, 11, 30), str, planned)
    with ledger.engine.begin() as conn:
        conn.execute(update(deliveries_t).where(deliveries_t.c.recipient == "dana")
                     .values(status="sent", attempts=1, sent_at=datetime(2026, 12, 1, 13, 0, 1,
                                                                         tzinfo=UTC)))
    newest, oldest = ledger.log()
    assert newest == {
        "key": "stage:2", "kind": "stage", "person": None, "credential": None, "stage": None,
        "case": None, "as_of": "2026-11-30", "planned_at": "2026-12-01T12:30:59+00:00",
        "recipients": ["dana"], "title": "alert 2",
        "deliveries": [{"recipient": "dana", "channel": "file:///tmp/dana.jsonl",
                        "status": "sent", "attempts": 1, "last_error": None,
                        "next_attempt_at": None, "sent_at": "2026-12-01T13:00:01+00:00"}]}
    assert oldest["recipients"] == ["t-price", "dana"]
    assert [(d["recipient"], d["status"], d["next_attempt_at"], d["sent_at"])
            for d in oldest["deliveries"]] == [
        ("t-price", "pending", "2026-12-01T12:30:59+00:00", None),
        ("dana", "sent", None, "2026-12-01T13:00:01+00:00")]
    assert ledger.log(person="t-price", recipient="t-price")[0]["deliveries"] == [
        oldest["deliveries"][0]]


def test_a_persons_newest_alerts_read_by_the_fixed_statements_are_the_logs_rows(ledger):
    """A person page's read (Ledger._newest_of: two fixed statements on the driver's cursor)
    gives the rows the general log gives for the same question, deliveries to them only."""
    alerts = [alert(i, "t-price", ("t-price", "dana")) if i % 3 == 0 else
              alert(i, "r-adams", ("dana", "r-adams")) for i in range(60)]
    ledger.enqueue(alerts[:30], date(2026, 11, 30), str, NOW)
    ledger.enqueue(alerts[30:], date(2026, 12, 1), str, NOW)
    for person in ("t-price", "r-adams", "dana", "nobody"):
        for limit in (1, 7, 26, 100):
            newest = ledger.log(person=person, recipient=person, limit=limit)
            general = ledger.log(person=person, recipient=person, limit=limit, before=10**9)
            assert newest == general and len(newest) == min(limit, {
                "t-price": 20, "r-adams": 40, "dana": 60, "nobody": 0}[person])
            assert all(d["recipient"] == person for a in newest for d in a["deliveries"])
