"""Importing into the database on SQLite and PostgreSQL: spreadsheets with Excel dates, calendars,
`sources:` re-imported before each evaluation, and two processes importing at once."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import openpyxl

from nervecenter.data.importer import import_files
from nervecenter.service.workspace import Workspace

ROSTER = ("person,name,role,type,state,facility,issued,expires\n"
          "t-price,Jordan Price,technologist,bls,,,2025-11-20,2027-11-30\n"
          "t-price,Jordan Price,technologist,state_license,LA,,,2026-11-30\n"
          "r-adams,Riley Adams,reader,state_license,LA,,,2027-03-31\n")
CASES = ("id,facility,start,end,procedure,technologist,reader\n"
         "C-1,ochsner-main,2026-12-03T08:00,2026-12-03T12:00,spine,t-price,r-adams\n"
         "C-2,tulane,2026-12-04T08:00,,,t-price,\n")


def test_xlsx_with_excel_serial_dates_into_the_database(store, practice, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Person", "Name", "Role", "Type", "Issued", "Expires"])
    sheet.append(["t-price", "Jordan Price", "technologist", "cnim", 45078, None])  # 2023-06-01
    sheet.append(["t-price", "Jordan Price", "technologist", "bls", None, 46721])   # 2027-11-30
    cases = book.create_sheet("Cases")
    cases.append(["id", "facility", "start", "technologist"])
    cases.append(["C-1", "tulane", datetime(2026, 12, 3, 8, 0), "t-price"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    import_files(store, practice, [path])
    snap = store.snapshot(date(2026, 12, 1))
    creds = {c.id: c for c in snap.credentials}
    assert creds["t-price:cnim"].issued == date(2023, 6, 1)
    assert creds["t-price:cnim"].expires == date(2028, 12, 31)  # 60 months, end of year
    assert creds["t-price:bls"].expires == date(2027, 11, 30)
    assert snap.cases[0].start.isoformat() == "2026-12-03T08:00:00-06:00"


def test_calendar_cases_into_the_database(store, practice, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    ics = tmp_path / "schedule.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                   "UID:C-9\r\nDTSTART:20261203T140000Z\r\nLOCATION:tulane\r\n"
                   "X-NERVECENTER-TECHNOLOGIST:t-price\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    import_files(store, practice, [ics, roster])  # the roster is read first whatever the order
    case = store.snapshot(date(2026, 12, 1)).cases[0]
    assert (case.id, case.technologist) == ("C-9", "t-price")
    assert case.start.isoformat() == "2026-12-03T08:00:00-06:00"  # 14:00 UTC in Chicago


def workspace(store, practice, *sources):
    return Workspace(practice=replace(practice, sources=tuple(sources)), store=store)


def test_sources_sync_keeps_a_cli_renewal_and_takes_later_edits(store, practice):
    roster = practice.config_dir / "roster.csv"
    roster.write_text(ROSTER)
    cases = practice.config_dir / "cases.csv"
    cases.write_text(CASES)
    ws = workspace(store, practice, roster, cases)
    ws.sync_sources()
    store.renew("t-price", "state_license", "LA", expires=date(2028, 11, 30), actor="cli:dana")
    ws.sync_sources()  # unchanged files: skipped
    roster.write_text(ROSTER + "t-okafor,Chidi Okafor,technologist,bls,,,,2027-07-31\n")
    ws.sync_sources()  # changed file, unchanged row: the renewal stays
    # today: a renewal without an issue date is in force from the day it was recorded
    creds = {c.id: c for c in ws.snapshot().credentials}
    assert creds["t-price:state_license:LA"].expires == date(2028, 11, 30)
    assert "t-okafor:bls" in creds
    # a case cancelled in the schedule disappears
    cases.write_text(CASES.splitlines()[0] + "\n" + CASES.splitlines()[1] + "\n")
    ws.sync_sources()
    assert [c.id for c in ws.snapshot(date(2026, 12, 1)).cases] == ["C-1"]
    removal = store.audit_log("case", "C-2")[-1]
    assert (removal["action"], removal["actor"]) == ("remove", "import:cases.csv")


def _sync(url, config_dir, barrier, tests_dir):
    import sys

    sys.path.insert(0, tests_dir)
    from conftest import make_practice

    from nervecenter.store import db
    from nervecenter.store.store import Store

    practice = make_practice(config_dir)
    store = Store(db.create(url), practice.config_dir, practice.timezone)
    barrier.wait()
    import_files(store, practice, [config_dir / "roster.csv", config_dir / "cases.csv"],
                 skip_unchanged_files=True)


def test_two_processes_syncing_at_once(store, practice, database_url):
    (practice.config_dir / "roster.csv").write_text(ROSTER)
    (practice.config_dir / "cases.csv").write_text(CASES)
    ctx = multiprocessing.get_context("fork")  # the child makes its own engine
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_sync, args=(database_url, practice.config_dir, barrier,
                                                        str(Path(__file__).parent)))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(store.snapshot(date(2026, 12, 1)).credentials) == 3
    assert len([e for e in store.audit_log() if e["action"] == "add"]) == 2 + 3 + 2


def test_evaluate_twice_reuses_the_result_until_data_changes(store, practice):
    roster = practice.config_dir / "roster.csv"
    roster.write_text(ROSTER)
    ws = workspace(store, practice, roster)
    day = date(2026, 12, 1)
    first = ws.evaluate(day)
    assert ws.evaluate(day) is first
    store.renew("t-price", "bls", expires=date(2029, 11, 30), actor="cli:dana")
    assert ws.evaluate(day) is not first
