"""The Store on SQLite and PostgreSQL: upserts, history, --on in the past, the audit log."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from kit.collector import collector_passes
from kit.practice import write_cases as write_case_rows
from kit.practice import write_yaml
from sqlalchemy import func, select

from nervecenter.core.errors import ConfigError, DatabaseError
from nervecenter.data.importer import import_files
from nervecenter.store import db
from nervecenter.store.tables import audit_log, credentials
from nervecenter.store.tables import cases as case_table


def roster() -> list[dict]:
    """The roster as data (a fresh copy each call, so that a test may edit it)."""
    return [
        {"id": "t-price", "name": "Jordan Price", "role": "technologist",
         "credentials": [
             {"type": "cnim", "number": "CNIM-1", "issued": "2023-06-01"},
             {"type": "bls", "issued": "2025-11-20", "expires": "2027-11-30"},
             {"type": "state_license", "state": "LA", "expires": "2026-11-30"}],
         "ce": [{"credential": "cnim", "date": "2024-03-01", "hours": 6,
                 "category": "conference", "provider": "ASET"}]},
        {"id": "r-adams", "name": "Riley Adams", "role": "reader"},
    ]


def case_rows() -> list[dict]:
    return [
        {"id": "C-1", "facility": "ochsner-main", "start": "2026-12-03T08:00",
         "end": "2026-12-03T12:00", "procedure": "spine", "technologist": "t-price",
         "reader": "r-adams", "side": "left"},
        {"id": "C-2", "facility": "tulane", "start": "2026-12-10T08:00", "end": "",
         "procedure": "", "technologist": "", "reader": "", "side": ""},
    ]


def write(practice, name, text):
    path = practice.config_dir / name
    path.write_text(text)
    return path


def write_people(practice, rows=None):
    return write_yaml(practice.config_dir / "people.yaml",
                      {"people": roster() if rows is None else rows})


def write_cases(practice, rows=None):
    return write_case_rows(practice.config_dir / "cases.csv", case_rows() if rows is None else rows)


def audit_count(store):
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(audit_log)).scalar()


def test_import_then_snapshot(store, practice):
    files = [write_people(practice), write_cases(practice)]
    changes = import_files(store, practice, files)
    assert changes.counts["person"]["added"] == 2
    assert changes.counts["credential"]["added"] == 3
    snap = store.snapshot(date(2026, 12, 1))
    creds = {c.id: c for c in snap.credentials}
    # cnim: issued 2023-06-01, 60 months, end_of_year -> 2028-12-31 (derived)
    assert creds["t-price:cnim"].expires == date(2028, 12, 31)
    assert creds["t-price:state_license:LA"].scope == "LA"
    case = {c.id: c for c in snap.cases}["C-1"]
    assert case.start.isoformat() == "2026-12-03T08:00:00-06:00"
    assert case.fields == {"side": "left"}
    assert snap.ce[0].hours == 6


def test_empty_values_are_stored_as_null(store, practice):
    """None binds NULL (on SQLite through the adapter store/reading.py registers for it): the
    unscoped credentials' scope, a case without an end, the `before` of every addition."""
    import_files(store, practice, [write_people(practice), write_cases(practice)])
    with store.engine.connect() as conn:
        unscoped = conn.execute(select(credentials.c.credential_id)
                                .where(credentials.c.scope.is_(None))
                                .order_by(credentials.c.credential_id)).scalars().all()
        open_ended = conn.execute(select(case_table.c.id).where(case_table.c.end.is_(None))).scalars().all()
        added = conn.execute(select(func.count()).select_from(audit_log)
                             .where(audit_log.c.before.is_(None))).scalar()
    assert unscoped == ["t-price:bls", "t-price:cnim"]
    assert open_ended == ["C-2"]
    assert added == audit_count(store)


def test_second_import_changes_nothing_and_writes_no_audit(store, practice):
    files = [write_people(practice), write_cases(practice)]
    import_files(store, practice, files)
    entries = audit_count(store)
    assert entries == 2 + 3 + 1 + 2  # people, credentials, CE entry, cases
    again = import_files(store, practice, files)
    assert again.total == 0
    assert again.counts["credential"] == {"added": 0, "changed": 0, "unchanged": 3, "removed": 0}
    assert audit_count(store) == entries


def test_renewal_keeps_history_and_past_dates_show_the_past(store, practice):
    import_files(store, practice, [write_people(practice)])
    store.renew("t-price", "bls", expires=date(2028, 1, 31), issued=date(2026, 1, 10),
                actor="cli:dana")
    history = store.history("t-price:bls")
    assert [(c.version, c.expires) for c in history] == [(1, date(2027, 11, 30)),
                                                         (2, date(2028, 1, 31))]
    shown = store.shown_history("t-price")  # a person page's history, read by the driver
    assert sorted(shown) == ["t-price:bls", "t-price:cnim", "t-price:state_license:LA"]
    assert [(v, str(issued), str(expires), status, by.partition(":")[0])
            for v, _, issued, expires, status, _, by in shown["t-price:bls"]] == [
        (1, "2025-11-20", "2027-11-30", "active", "import"),
        (2, "2026-01-10", "2028-01-31", "active", "cli")]

    def bls(on):
        return {c.id: c for c in store.snapshot(on).credentials}["t-price:bls"]

    assert bls(date(2026, 1, 9)).expires == date(2027, 11, 30)  # before the new issue date
    assert bls(date(2026, 1, 10)).expires == date(2028, 1, 31)
    assert bls(date(2025, 1, 1)).version == 1  # before anything: the first version
    renew = store.audit_log("credential", "t-price:bls")[-1]
    assert renew["action"] == "renew" and renew["actor"] == "cli:dana"
    assert renew["before"]["expires"] == "2027-11-30"
    assert renew["after"]["expires"] == "2028-01-31"


def test_submitted_marks_the_current_version(store, practice):
    import_files(store, practice, [write_people(practice)])
    cred = store.renew("t-price", "state_license", "LA", submitted=True, actor="web:dana")
    assert cred.status == "renewal_submitted" and cred.version == 1
    entry = store.audit_log("credential", "t-price:state_license:LA")[-1]
    assert (entry["before"]["status"], entry["after"]["status"]) == ("active", "renewal_submitted")


def test_every_change_is_audited(store, practice):
    people = write_people(practice)
    cases = write_cases(practice)
    import_files(store, practice, [people, cases])
    start = audit_count(store)
    edited = roster()
    edited[1]["name"] = "Riley Adams-Boyd"
    edited[0]["credentials"][0]["number"] = "CNIM-2"
    write_people(practice, edited)
    write_cases(practice, [{**case_rows()[0], "procedure": "cranial"}])  # C-2 gone, C-1 changed
    changes = import_files(store, practice, [people, cases])
    log = store.audit_log()[start:]
    got = sorted((e["entity"], e["key"], e["action"]) for e in log)
    assert got == [("case", "C-1", "change"), ("case", "C-2", "remove"),
                   ("credential", "t-price:cnim", "change"), ("person", "r-adams", "change")]
    assert changes.counts["case"]["removed"] == 1
    person = next(e for e in log if e["entity"] == "person")
    assert (person["before"]["name"], person["after"]["name"]) == ("Riley Adams",
                                                                   "Riley Adams-Boyd")
    # a number correction is not a renewal: still one version
    assert [c.number for c in store.history("t-price:cnim")] == ["CNIM-2"]
    assert all(e["actor"] == "import:" + str(people) or e["actor"].startswith("import:")
               for e in log)


def test_renewal_survives_an_unchanged_row_and_a_later_edit_wins(store, practice):
    people = write_people(practice)
    import_files(store, practice, [people], skip_unchanged_files=True)
    store.renew("t-price", "bls", expires=date(2028, 1, 31), actor="cli:dana")
    # the spreadsheet is saved again with other edits but the same bls row
    edited = roster()
    edited[1]["name"] = "Riley B. Adams"
    write_people(practice, edited)
    import_files(store, practice, [people], skip_unchanged_files=True)
    latest = store.history("t-price:bls")[-1]
    assert latest.expires == date(2028, 1, 31)
    # now the bls row itself is edited: the file wins
    edited = roster()
    edited[0]["credentials"][1]["expires"] = "2027-12-31"
    write_people(practice, edited)
    import_files(store, practice, [people], skip_unchanged_files=True)
    assert [c.expires for c in store.history("t-price:bls")] == [
        date(2027, 11, 30), date(2028, 1, 31), date(2027, 12, 31)]


def test_bad_rows_are_all_reported_and_nothing_is_written(store, practice, database_url):
    import_files(store, practice, [write_people(practice)])
    bad = write(practice, "roster.csv",
                "Person,Name,Role,Type,State,Facility,Expires\n"
                "t-new,New Person,technologist,bls,,,2027-02-30\n"
                "t-new,New Person,technologist,blss,,,2027-01-31\n"
                "t-new,New Person,technologist,facility_privileges,,nowhere,2027-01-31\n"
                "t-two,Two,technologist,cnim,,,\n"
                "t-two,Two,technologist,bls,,,2027-01-31\n"
                "t-two,Two,technologist,bls,,,2027-01-31\n")
    cases = write(practice, "more-cases.csv", "id,facility,start,technologist\n"
                  "C-9,ochsner-main,2026-12-03T08:00,t-nobody\n")
    before = _fingerprint(store, database_url)
    with pytest.raises(ConfigError) as err:
        import_files(store, practice, [bad, cases])
    lines = str(err.value).splitlines()
    assert any(line.startswith(f"{bad}:2: expires: '2027-02-30' is not a date") for line in lines)
    assert f"{bad}:3: type: unknown credential type 'blss' (did you mean 'bls', BLS Provider?)" in lines
    assert f"{bad}:4: facility: unknown facility 'nowhere'" in lines
    assert any(line.startswith(f"{bad}:5: expires: is empty") for line in lines)
    assert any(line.startswith(f"{bad}:7: duplicate credential t-two:bls (first on row 6)")
               for line in lines)
    assert any(line.startswith(f"{cases}:2: technologist: unknown person 't-nobody'")
               for line in lines)
    assert len(lines) == 6
    assert _fingerprint(store, database_url) == before


def _fingerprint(store, url):
    """The SQLite file's bytes (byte-for-byte), or for PostgreSQL the rows of every table."""
    if url.startswith("sqlite"):
        store.engine.dispose()  # checkpoint nothing pending: compare the file as it is
        path = url.removeprefix("sqlite:///")
        return hashlib.sha256(open(path, "rb").read()).hexdigest()
    with store.engine.connect() as conn:
        return [conn.execute(select(t)).all() for t in db.METADATA.sorted_tables
                if t.name in ("people", "credentials", "ce_entries", "cases", "audit_log",
                              "import_rows", "import_files")]


def test_dry_run_writes_nothing(store, practice):
    changes = import_files(store, practice, [write_people(practice)], dry_run=True)
    assert changes.counts["person"]["added"] == 2
    assert store.snapshot(date(2026, 1, 1)).people == {}
    assert audit_count(store) == 0


def test_unchanged_source_file_is_skipped(store, practice):
    people = write_people(practice)
    import_files(store, practice, [people], skip_unchanged_files=True)
    with store.engine.begin() as conn:  # if the file were parsed, the row would come back
        conn.execute(credentials.delete().where(
            credentials.c.credential_id == "t-price:cnim"))
    assert import_files(store, practice, [people], skip_unchanged_files=True).total == 0
    assert store.history("t-price:cnim") == []


def test_unreachable_database_names_the_host():
    with pytest.raises(DatabaseError) as err:
        db.create("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    assert str(err.value).startswith("cannot reach the database at 127.0.0.1:1:")
    assert "\n" not in str(err.value)


def test_the_version_in_force_is_the_newest_recorded_by_the_day_else_the_first(store, practice):
    # Versions stored out of order (a table read in its own order must not care), with
    # valid_from before, on and after the days asked about.
    from sqlalchemy import insert

    import_files(store, practice, [write_people(practice), write_cases(practice)])
    table = credentials
    with store.engine.connect() as conn:
        base = dict(conn.execute(select(table).where(
            table.c.credential_id == "t-price:bls")).mappings().one())
    extra = {5: date(2027, 3, 1), 2: date(2026, 12, 1), 4: date(2026, 12, 15),
             3: date(2026, 12, 1)}
    with store.engine.begin() as conn:
        conn.execute(table.update().where(table.c.credential_id == "t-price:bls")
                     .values(valid_from=date(2026, 11, 25)))
        for version, valid_from in extra.items():
            row = {k: v for k, v in base.items() if k != "pk"}
            conn.execute(insert(table).values({**row, "version": version,
                                               "valid_from": valid_from,
                                               "number": f"v{version}"}))
        # a credential whose only versions all start after the days asked about: the first
        row = {k: v for k, v in base.items() if k != "pk"}
        for version in (2, 1):
            conn.execute(insert(table).values({**row, "credential_id": "t-price:acls",
                                               "type": "acls", "version": version,
                                               "valid_from": date(2027, 6, version)}))
    expected = {date(2026, 11, 1): 1, date(2026, 11, 25): 1, date(2026, 12, 1): 3,
                date(2026, 12, 14): 3, date(2026, 12, 15): 4, date(2027, 3, 1): 5}
    for day, version in expected.items():
        creds = store.snapshot(day).credentials
        got = {c.id: c.version for c in creds}
        assert got["t-price:bls"] == version, day
        assert got["t-price:acls"] == 1, day
        ids = [c.id for c in creds]
        assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_an_import_and_a_snapshot_run_no_garbage_collection(store, practice):
    """Both allocate many objects that form no cycles; the collector's passes over them cost a
    third of an import and a quarter of a snapshot read at 5,000 people (store/collector.py)."""
    import gc

    people = [{"id": f"t-{i:04d}", "name": f"Tech {i}", "role": "technologist",
               "credentials": [{"type": "bls", "issued": "2025-11-20", "expires": "2027-11-30"},
                               {"type": "cnim", "number": f"CNIM-{i}", "issued": "2023-06-01"}]}
              for i in range(300)]
    files = [write_people(practice, people)]
    with collector_passes() as passes:
        assert import_files(store, practice, files).counts["credential"]["added"] == 600
        assert len(store.snapshot(date(2026, 12, 1)).credentials) == 600
    # at most one pass after each, over what it allocated (twenty without the pause)
    assert gc.isenabled() and len(passes) <= 2
