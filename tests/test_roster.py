"""Reading rosters and schedules: the spreadsheet layout of docs/data.md in CSV and XLSX, dates in every
form practices use, cases from iCalendar, and every bad row reported."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from nervecenter.data import roster
from nervecenter.data.roster import parse_date


@pytest.mark.parametrize("value, expected", [
    ("2026-12-31", date(2026, 12, 31)),
    ("12/31/2026", date(2026, 12, 31)),
    ("1/5/2027", date(2027, 1, 5)),
    (46022, date(2025, 12, 31)),        # Excel serial: 45658 is 2025-01-01, +364 days
    ("45658", date(2025, 1, 1)),
    (datetime(2026, 3, 1, 0, 0), date(2026, 3, 1)),
])
def test_dates_in_every_form(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2026-02-30", "31/12/2026", "next week", "13/01/2026"])
def test_bad_dates_say_how_to_write_them(value):
    with pytest.raises(ValueError, match="write YYYY-MM-DD, MM/DD/YYYY, M/D/YY"):
        parse_date(value)


def test_csv_roster_with_mixed_case_headers(practice, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("PERSON,Name,role,Type,STATE,Facility,Number,Issuer,Issued,Expires,Status\n"
                    "t-price,Jordan Price,technologist,bls,,,B-1,AHA,11/20/2025,,\n"
                    "t-price,Jordan Price,technologist,state_license,la,,LA-9,,,2026-11-30,"
                    "renewal_submitted\n")
    batch = roster.read(path, practice, {})
    assert batch.problems == []
    creds = {r.key: r.data for r in batch.of("credential")}
    # bls issued 2025-11-20, 24 months, end_of_month -> 2027-11-30
    assert creds["t-price:bls"]["expires"] == "2027-11-30"
    assert creds["t-price:state_license:LA"]["status"] == "renewal_submitted"
    assert [r.data["name"] for r in batch.of("person")] == ["Jordan Price"]


def test_xlsx_with_excel_serial_numbers_and_date_cells(practice, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Staff"
    sheet.append(["Person", "Name", "Role", "Type", "Facility", "Issued", "Expires"])
    sheet.append(["t-price", "Jordan Price", "technologist", "cnim", None, 45078, 47118])
    sheet.append(["t-price", "Jordan Price", "technologist", "facility_privileges",
                  "ochsner-main", None, datetime(2027, 6, 30)])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    batch = roster.read(path, practice, {})
    assert batch.problems == []
    creds = {r.key: r.data for r in batch.of("credential")}
    assert creds["t-price:cnim"]["issued"] == "2023-06-01"     # serial 45078
    assert creds["t-price:cnim"]["expires"] == "2028-12-31"    # serial 47118
    assert creds["t-price:facility_privileges:ochsner-main"]["expires"] == "2027-06-30"


def test_xlsx_without_a_known_sheet(practice, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Who", "What"])
    book.active.append(["dana", "call ABRET"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    problems = roster.read(path, practice, {}).problems
    assert len(problems) == 1
    assert "no sheet has NerveCenter's columns" in problems[0].message
    assert "'Notes' (Who, What)" in problems[0].message


def test_xlsx_cases_with_datetime_cells(practice, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["ID", "Facility", "Start", "End", "Technologist", "Room"])
    book.active.append(["C-1", "tulane", datetime(2026, 12, 3, 7, 30), None, "t-price", "OR 4"])
    path = tmp_path / "cases.xlsx"
    book.save(path)
    batch = roster.read(path, practice, {"t-price": "technologist"})
    assert batch.problems == []
    case = batch.of("case")[0].data
    assert case["start"] == "2026-12-03T07:30:00-06:00"  # Chicago, standard time
    assert case["fields"] == {"room": "OR 4"}


def test_cases_from_icalendar(practice, tmp_path):
    path = tmp_path / "schedule.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:C-7\r\nDTSTART;TZID=America/Chicago:20261203T080000\r\n"
        "DTEND;TZID=America/Chicago:20261203T120000\r\nSUMMARY:spine\r\n"
        "LOCATION:Ochsner Medical Center\r\n"
        "ATTENDEE;CN=Jordan Price:mailto:JPRICE@example.org\r\n"
        "X-NERVECENTER-READER:r-adams\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:C-8\r\nDTSTART:20261204T140000Z\r\nLOCATION:nowhere\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n")
    batch = roster.read(path, practice, {"t-price": "technologist", "r-adams": "reader"},
                        emails={"jprice@example.org": "t-price"})
    assert [str(p) for p in batch.problems] == [
        f"{path}:2: facility: unknown facility 'nowhere'"]
    case = batch.of("case")[0].data
    assert (case["id"], case["facility"], case["procedure"]) == ("C-7", "ochsner-main", "spine")
    assert (case["technologist"], case["reader"]) == ("t-price", "r-adams")
    assert case["start"] == "2026-12-03T08:00:00-06:00"


def test_people_yaml_line_numbers(practice, tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("people:\n"
                    "  - id: t-price\n"
                    "    name: Jordan Price\n"
                    "    role: technologist\n"
                    "    credentials:\n"
                    "      - {type: bls, expires: 2027-11-30}\n"
                    "      - {type: cmin, expires: 2027-11-30}\n")
    problems = [str(p) for p in roster.read(path, practice, {}).problems]
    assert problems == [f"{path}:7: type: unknown credential type 'cmin' (did you mean 'cnim', CNIM?)"]


def test_case_rows_check_people_and_roles(practice, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("id,facility,start,technologist,reader\n"
                    "C-1,ochsner-main,2026-12-03T08:00,r-adams,\n"
                    ",ochsner-main,2026-12-03 08:00,,\n"
                    "C-1,ochsner-main,12/03/2026 09:00,,\n")
    problems = [str(p) for p in roster.read(path, practice, {"r-adams": "reader"}).problems]
    assert problems == [f"{path}:2: technologist: r-adams is a reader, not a technologist",
                        f"{path}:3: id: is empty; give the case id"]


def test_a_repeating_event_is_a_case_per_occurrence_and_recurrence_id_replaces_one(
        practice, tmp_path, monkeypatch):
    from datetime import date

    from nervecenter.core import clock

    monkeypatch.setattr(clock, "today", lambda tz, on=None: on or date(2026, 12, 1))
    path = tmp_path / "schedule.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        # every Thursday from 2026-11-05: in the window 2025-12-01 .. 2026-12-31 (horizon 30)
        "BEGIN:VEVENT\r\nUID:SPINE\r\nDTSTART;TZID=America/Chicago:20261105T080000\r\n"
        "DTEND;TZID=America/Chicago:20261105T120000\r\nRRULE:FREQ=WEEKLY;BYDAY=TH\r\n"
        "EXDATE;TZID=America/Chicago:20261126T080000\r\n"
        "SUMMARY:spine\r\nLOCATION:ochsner-main\r\nX-NERVECENTER-TECHNOLOGIST:t-price\r\n"
        "END:VEVENT\r\n"
        # the 2026-12-03 occurrence moved to 10:00 with another reader; 12-10 is cancelled
        "BEGIN:VEVENT\r\nUID:SPINE\r\nRECURRENCE-ID;TZID=America/Chicago:20261203T080000\r\n"
        "DTSTART;TZID=America/Chicago:20261203T100000\r\n"
        "DTEND;TZID=America/Chicago:20261203T140000\r\nSUMMARY:cranial\r\n"
        "LOCATION:ochsner-main\r\nX-NERVECENTER-TECHNOLOGIST:t-price\r\n"
        "X-NERVECENTER-READER:r-adams\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:SPINE\r\nRECURRENCE-ID;TZID=America/Chicago:20261210T080000\r\n"
        "DTSTART;TZID=America/Chicago:20261210T080000\r\nSTATUS:CANCELLED\r\n"
        "LOCATION:ochsner-main\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n")
    batch = roster.read(path, practice, {"t-price": "technologist", "r-adams": "reader"})
    assert batch.problems == []
    cases = {r.data["id"]: r.data for r in batch.of("case")}
    assert sorted(cases) == ["SPINE@2026-11-05", "SPINE@2026-11-12", "SPINE@2026-11-19",
                             "SPINE@2026-12-03", "SPINE@2026-12-17", "SPINE@2026-12-24",
                             "SPINE@2026-12-31"]
    moved = cases["SPINE@2026-12-03"]
    assert (moved["start"], moved["end"], moved["procedure"], moved["reader"]) == (
        "2026-12-03T10:00:00-06:00", "2026-12-03T14:00:00-06:00", "cranial", "r-adams")
    plain = cases["SPINE@2026-12-17"]
    assert (plain["start"], plain["end"], plain["procedure"], plain["reader"]) == (
        "2026-12-17T08:00:00-06:00", "2026-12-17T12:00:00-06:00", "spine", None)
