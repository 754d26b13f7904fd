"""Alembic migrations on SQLite and PostgreSQL: a new database is created at head and matches
the tables in code; an older one is upgraded (data kept) or refused with what to run."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select, text

from nervecenter.core.errors import DatabaseError
from nervecenter.store import db, migrations
from nervecenter.store.tables import people

# every module that declares tables on db.METADATA
for name in ("nervecenter.store.tables", "nervecenter.alerts.ledger", "nervecenter.store.users",
             "nervecenter.store.throttle"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass


@pytest.fixture
def engine(database_url):
    engine = db.create(database_url)
    yield engine
    engine.dispose()


def test_new_database_is_created_at_head_and_matches_the_code(engine):
    assert migrations.current(engine) is None
    migrations.ensure_current(engine)
    assert migrations.current(engine) == migrations.head()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), db.METADATA) == []


def test_revisions_form_one_chain_from_0001():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations._config())
    chain = [s.revision for s in script.walk_revisions()][::-1]
    assert chain[0] == "0001" and chain[-1] == migrations.head()
    assert len(script.get_heads()) == 1
    # numbered in order, so that the newest file names the head without Alembic
    files = sorted(p.name.split("_", 1)[0] for p in (migrations.HERE / "versions").glob("0*.py"))
    assert files == chain and migrations.newest_file() == migrations.head()


def test_older_database_is_refused_then_upgraded_with_its_data(engine):
    migrations.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(insert(people).values(id="t-price", name="Jordan Price",
                                                        role="technologist", notify=[]))
    if migrations.head() != "0001":
        with pytest.raises(DatabaseError, match=r"at revision 0001, this NerveCenter needs "
                                                r".*run `nervecenter db upgrade`"):
            migrations.ensure_current(engine)
    migrations.upgrade(engine)
    migrations.ensure_current(engine)
    assert migrations.current(engine) == migrations.head()
    with engine.connect() as conn:
        assert conn.execute(select(people.c.name)).scalar() == "Jordan Price"


def test_unknown_revision_says_upgrade_nervecenter(engine):
    migrations.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="revision 9999, newer than this NerveCenter"):
        migrations.ensure_current(engine)


def test_tables_without_a_revision_are_not_touched(engine):
    people.create(engine)
    with pytest.raises(DatabaseError, match="no revision"):
        migrations.ensure_current(engine)


def _open(url, barrier):
    from nervecenter.store import db, migrations

    engine = db.create(url)
    barrier.wait()
    migrations.ensure_current(engine)


def test_two_processes_creating_the_same_new_database(database_url):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_open, args=(database_url, barrier)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    engine = db.create(database_url)
    assert migrations.current(engine) == migrations.head()
    engine.dispose()


def test_0005_fills_who_each_alert_is_to_or_about(engine):
    from datetime import UTC, date, datetime

    from nervecenter.alerts.ledger import Ledger, alerts_t

    migrations.upgrade(engine, "0004")
    with engine.begin() as conn:
        for i, (person, recipients) in enumerate([("t-price", ["t-price", "dana"]),
                                                  (None, ["dana"]), ("r-adams", ["dana"])]):
            conn.execute(insert(alerts_t).values(
                key=f"k{i}", kind="stage", person=person, as_of=date(2026, 12, 1),
                planned_at=datetime(2026, 12, 1, tzinfo=UTC), recipients=recipients,
                title=f"alert {i}", text="", html=""))
    migrations.upgrade(engine)
    log = Ledger(engine).log
    assert [a["key"] for a in log(person="dana")] == ["k2", "k1", "k0"]
    assert [a["key"] for a in log(person="t-price")] == ["k0"]
    assert [a["key"] for a in log(person="r-adams")] == ["k2"]
