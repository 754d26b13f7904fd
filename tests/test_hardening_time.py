"""Time, end to end through the CLI: leap days, end-of-month and end-of-year expiries, grace,
a case spanning midnight, facilities in three time zones (and Arizona, which keeps no DST), and
daylight-saving days in the practice's and a facility's zone. Every expected value is worked
out by hand in the comments.

Cron ticks across DST are in test_daemon.py; month arithmetic properties in test_dates.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from kit.cli import run as run_cli

PRACTICE = "name: Time Practice\ntimezone: America/Chicago\n"
FACILITIES = {
    # id: (state, zone, requirements)
    "ny": ("NY", "America/New_York", "  - {credential: bls, max_age_months: 12}\n"),
    "den": ("CO", "America/Denver", "  - credential: cnim\n"),
    "la": ("CA", "America/Los_Angeles", "  - {credential: cnim, accept_grace: true}\n"),
    "phx": ("AZ", "America/Phoenix", "  - credential: bls\n"),
}
PEOPLE = """people:
  - id: t-leap
    name: Leap Day
    role: technologist
    credentials:
      - {type: bls, issued: 2024-02-29}
      - {type: cnim, issued: 2024-02-29}
      - {type: state_license, state: NY, issued: 2024-02-29}
  - id: t-eoy
    name: End Of Year
    role: technologist
    credentials:
      - {type: cnim, issued: 2021-12-01, expires: 2026-12-31}
  - id: t-mid
    name: Mid Night
    role: technologist
    credentials:
      - {type: bls, issued: 2025-01-10, expires: 2026-12-03}
  - id: t-dst
    name: Daylight Saving
    role: technologist
    credentials:
      - {type: acls, issued: 2025-03-01, expires: 2027-03-21}
      - {type: pals, issued: 2024-11-01, expires: 2026-11-01}
"""
CASES = """id,facility,start,end,procedure,technologist,reader
LEAP-OK,ny,2025-02-28T08:00,,spine,t-leap,
LEAP-OLD,ny,2025-03-01T08:00,,spine,t-leap,
EOY-LAST,den,2026-12-31T08:00,,spine,t-eoy,
EOY-NEXT,den,2027-01-01T08:00,,spine,t-eoy,
GRACE-LAST,la,2027-01-31T08:00,,spine,t-eoy,
GRACE-OVER,la,2027-02-01T08:00,,spine,t-eoy,
MID-SPAN,phx,2026-12-03T22:00,2026-12-04T03:00,spine,t-mid,
MID-AFTER,phx,2026-12-04T00:30,,spine,t-mid,
TZ-NY,ny,2026-12-05T08:00,,spine,t-leap,
TZ-DEN,den,2026-12-05T08:00,,spine,t-eoy,
TZ-LA,la,2026-12-05T08:00,,spine,t-eoy,
LA-LATE,la,2026-12-03T23:30,,spine,t-eoy,
DST-GAP,ny,2027-03-14T02:30,,spine,t-leap,
DST-FOLD,ny,2027-11-07T01:30,,spine,t-leap,
DST-END,phx,2027-03-14T08:00,2027-03-14T10:00,spine,t-mid,
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    root = tmp_path_factory.mktemp("time")
    (root / "facilities").mkdir()
    (root / "practice.yaml").write_text(PRACTICE)
    for fid, (state, zone, reqs) in FACILITIES.items():
        (root / "facilities" / f"{fid}.yaml").write_text(
            f"id: {fid}\nname: Facility {fid}\nstate: {state}\ntimezone: {zone}\n"
            f"requirements:\n{reqs}")
    (root / "people.yaml").write_text(PEOPLE)
    (root / "cases.csv").write_text(CASES)
    code, _, err = run_cli("import", "--config", ".", "people.yaml", "cases.csv", cwd=root)
    assert code == 0, err
    return root


def _cases(config, on="2024-06-01"):
    code, out, err = run_cli("cases", "--config", ".", "--on", on, "--from", "2025-01-01",
                             "--to", "2027-12-31", "--format", "json", cwd=config)
    assert code == 0, err
    return {c["id"]: c for c in json.loads(out)["cases"]}


def _status(config, on, person):
    code, out, err = run_cli("status", "--config", ".", "--on", on, "--within", "3650",
                             "--person", person, "--format", "json", cwd=config)
    assert code == 0, err
    return {i["type"]: i for i in json.loads(out)["items"]}


def test_expiries_derived_from_a_leap_day(config):
    items = _status(config, "2024-03-01", "t-leap")
    # bls: 24 months, end_of_month -> February 2026 -> 2026-02-28
    assert items["bls"]["expires"] == "2026-02-28"
    # cnim: 60 months, end_of_year -> 2029 -> 2029-12-31
    assert items["cnim"]["expires"] == "2029-12-31"
    # state_license: 24 months, exact: 2026-02-29 does not exist -> the month's end, 2026-02-28
    assert items["state_license"]["expires"] == "2026-02-28"


def test_cases_by_leap_day_end_of_year_grace_and_midnight(config):
    cases = _cases(config)
    outcome = {k: c["outcome"] for k, c in cases.items()}
    reasons = {k: [p["reason"] for p in c["problems"]] for k, c in cases.items()}
    # max_age_months 12 from 2024-02-29: 2025-02-29 does not exist -> clamps to 2025-02-28
    assert outcome["LEAP-OK"] == "cleared"
    assert (outcome["LEAP-OLD"], reasons["LEAP-OLD"]) == ("blocked", ["too_old"])
    # cnim expires 2026-12-31: valid through that whole day, lapsed on 2027-01-01
    assert outcome["EOY-LAST"] == "cleared"
    assert (outcome["EOY-NEXT"], reasons["EOY-NEXT"]) == ("blocked", ["expired"])
    # la accepts cnim's 31 grace days: 2026-12-31 + 31 = 2027-01-31 is the last day
    assert outcome["GRACE-LAST"] == "cleared"
    assert (outcome["GRACE-OVER"], reasons["GRACE-OVER"]) == ("blocked", ["expired"])
    # A case is on the date it starts, in its facility's zone: bls expiring 2026-12-03 covers
    # a case starting at 22:00 that day (running to 03:00), not one starting at 00:30 next day.
    assert outcome["MID-SPAN"] == "cleared"
    assert (outcome["MID-AFTER"], reasons["MID-AFTER"]) == ("blocked", ["expired"])


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_facility_times_are_local_to_each_facility(config):
    cases = _cases(config)
    # 08:00 on 2026-12-05 in New York (EST, -5), Denver (MST, -7), Los Angeles (PST, -8)
    assert _utc(cases["TZ-NY"]["start"]) == datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    assert _utc(cases["TZ-DEN"]["start"]) == datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    assert _utc(cases["TZ-LA"]["start"]) == datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
    # 23:30 on Dec 3 in Los Angeles is 01:30 on Dec 4 in Chicago: the case is on Dec 3 there
    assert datetime.fromisoformat(cases["LA-LATE"]["start"]).date() == date(2026, 12, 3)
    # Phoenix keeps MST (-7) all year, also on the day the rest of the country springs forward
    assert _utc(cases["DST-END"]["start"]) == datetime(2027, 3, 14, 15, 0, tzinfo=UTC)


def test_wall_times_that_dst_skips_or_repeats(config):
    cases = _cases(config)
    # 02:30 on 2027-03-14 does not exist in New York (02:00 EST -> 03:00 EDT): read with the
    # offset before the change, -05:00, i.e. 07:30 UTC (03:30 EDT on the wall clock)
    assert _utc(cases["DST-GAP"]["start"]) == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)
    # 01:30 on 2027-11-07 happens twice in New York: the first one (EDT, -04:00), 05:30 UTC
    assert _utc(cases["DST-FOLD"]["start"]) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize("on, kind, days, stage", [
    ("2027-03-14", "acls", 7, 7),     # spring-forward day in Chicago: 21 - 14 = 7 days, stage 7
    ("2027-03-13", "acls", 8, 30),    # the day before: 8 days, stage 30
    ("2026-11-01", "pals", 0, 0),     # fall-back day, expiring that day: stage 0
    ("2026-10-31", "pals", 1, 7),     # the day before it
])
def test_days_left_and_stages_on_dst_days_in_the_practice_zone(config, on, kind, days, stage):
    item = _status(config, on, "t-dst")[kind]
    assert (item["days_left"], item["stage"]) == (days, stage)
