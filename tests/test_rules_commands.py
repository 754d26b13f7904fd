"""`nervecenter cases`, `status`, `conflicts` on a small practice written here, end to end:
configuration, sources imported into a real SQLite database, evaluation, output."""

import csv
import io
import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from nervecenter.cli import cli

FILES = {
    "practice.yaml": """
        name: Test Neuromonitoring
        timezone: America/Chicago
        alerts: {case_horizon_days: 30}
        sources: [people.yaml, cases.csv]
        """,
    "facilities/ochsner-main.yaml": """
        id: ochsner-main
        name: Ochsner Medical Center
        state: LA
        requirements:
          - credential: bls
            max_age_months: 12
          - credential: state_license
            role: reader
            valid_days_after_case: 30
        """,
    "facilities/tulane.yaml": """
        id: tulane
        name: Tulane Medical Center
        state: LA
        enforcement: warn
        requirements:
          - credential: bls
        """,
    "people.yaml": """
        people:
          - id: t-price
            name: Jordan Price
            role: technologist
            credentials:
              - {type: bls, issuer: AHA, issued: 2025-12-15, expires: 2027-12-31}
          - id: t-nguyen
            name: Linh Nguyen
            role: technologist
            credentials:
              - {type: bls, issuer: AHA, issued: 2026-06-01, expires: 2028-06-30}
          - id: r-adams
            name: Elise Adams
            role: reader
            credentials:
              - {type: state_license, state: LA, expires: 2026-12-20}
        """,
    "cases.csv": """
        id,facility,start,end,procedure,technologist,reader
        C-1,ochsner-main,2026-12-03T08:00,2026-12-03T12:00,spine,t-nguyen,
        C-2,ochsner-main,2026-12-20T08:00,2026-12-20T12:00,spine,t-price,
        C-3,tulane,2026-12-21T08:00,,spine,,
        C-4,ochsner-main,2026-12-22T08:00,2026-12-22T12:00,spine,t-nguyen,r-adams
        C-9,tulane,2027-03-01T08:00,,spine,t-price,
        """,
}


@pytest.fixture
def practice_dir(tmp_path):
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return tmp_path


def run(practice_dir, *args):
    result = CliRunner().invoke(cli, [*args, "--config", str(practice_dir), "--on", "2026-12-01"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cases_json(practice_dir):
    doc = json.loads(run(practice_dir, "cases", "--format", "json"))
    assert doc["as_of"] == "2026-12-01"
    # C-2: BLS issued 2025-12-15 is too old on 2026-12-20 at Ochsner; Linh could take it.
    # C-3: nobody assigned at Tulane; both technologists hold a BLS Tulane accepts.
    # C-4: Elise's licence ended 2026-12-20, two days before the case; no other reader.
    # C-9 (2027-03-01) is beyond the 30-day horizon.
    assert [(c["id"], c["outcome"], c["backups"]) for c in doc["cases"]] == [
        ("C-1", "cleared", []), ("C-2", "blocked", ["t-nguyen"]),
        ("C-3", "unstaffed", ["t-nguyen", "t-price"]), ("C-4", "blocked", [])]
    (problem,) = doc["cases"][3]["problems"]
    assert problem == {
        "person": "r-adams", "role": "reader", "type": "state_license",
        "reason": "expired", "source": "facility:ochsner-main",
        "detail": "Elise Adams's Louisiana state licence expired on 2026-12-20, 2 days before this "
                  "case; Ochsner Medical Center blocks the case."}


def test_cases_filters(practice_dir):
    doc = json.loads(run(practice_dir, "cases", "--format", "json", "--outcome", "blocked"))
    assert [c["id"] for c in doc["cases"]] == ["C-2", "C-4"]
    doc = json.loads(run(practice_dir, "cases", "--format", "json", "--from", "2027-01-01",
                         "--to", "2027-03-31"))
    assert [(c["id"], c["outcome"]) for c in doc["cases"]] == [("C-9", "cleared")]
    doc = json.loads(run(practice_dir, "cases", "--format", "json", "--case", "C-9"))
    assert [c["id"] for c in doc["cases"]] == ["C-9"]


def test_cases_table(practice_dir):
    out = run(practice_dir, "cases")
    assert out.startswith("As of 2026-12-01: 4 cases (1 cleared, 2 blocked, 1 unstaffed):")
    assert "C-2  Sun 2026-12-20 08:00  Ochsner Medical Center  spine  BLOCKED" in out
    assert "  backups: Linh Nguyen (t-nguyen)" in out
    assert "\x1b[" not in out  # not a terminal: no colour


def test_status(practice_dir):
    doc = json.loads(run(practice_dir, "status", "--format", "json", "--within", "30"))
    # Jordan works at Ochsner (C-2): BLS due 2025-12-15 + 12 months = 2026-12-15.
    # Elise's licence: due 2026-12-20 - 30 = 2026-11-20 because of Ochsner (C-4), lapsed.
    assert [(i["credential"], i["due"], i["due_reason"], i["days_left"], i["stage"])
            for i in doc["items"]] == [
        ("r-adams:state_license:LA", "2026-11-20", "ochsner-main: valid_days_after_case 30", -11, 0),
        ("t-price:bls", "2026-12-15", "ochsner-main: max_age_months 12", 14, 30)]
    table = run(practice_dir, "status", "--within", "30")
    # The licence itself runs to 2026-12-20: past Ochsner's due date, not lapsed.
    assert "  2026-11-20    -11  past due  Louisiana state licence" in table
    rows = list(csv.DictReader(io.StringIO(run(practice_dir, "status", "--format", "csv",
                                               "--person", "t-price"))))
    assert [(r["credential"], r["due"]) for r in rows] == [("t-price:bls", "2026-12-15")]


def test_conflicts(practice_dir):
    doc = json.loads(run(practice_dir, "conflicts", "--format", "json", "--type", "bls"))
    # Jordan's card (2025-12-15) is older than 12 months on 2026-12-16 but not on 2026-12-01.
    assert doc["conflicts"] == [
        {"type": "bls", "attribute": "max_age_months",
         "values": {"ochsner-main": 12, "tulane": None}, "affected": []},
        {"type": "bls", "attribute": "enforcement",
         "values": {"ochsner-main": "block", "tulane": "warn"}, "affected": []}]
    later = CliRunner().invoke(cli, ["conflicts", "--config", str(practice_dir), "--on",
                                     "2026-12-16", "--format", "json", "--type", "bls"])
    assert json.loads(later.output)["conflicts"][0]["affected"] == ["t-price"]


def test_bad_input_is_one_line_and_exit_1(practice_dir):
    env = {**os.environ, "NO_COLOR": "1"}
    for args, message in [
            (["cases", "--case", "C-404"], "no case 'C-404' in the schedule"),
            (["status", "--person", "nobody"], "no person 'nobody' in the roster"),
            (["conflicts", "--type", "blss"], "no credential type 'blss'")]:
        proc = subprocess.run([sys.executable, "-m", "nervecenter", *args, "--config",
                               str(practice_dir), "--on", "2026-12-01"],
                              check=False, capture_output=True, text=True, env=env)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
