"""Rendering evaluations: the JSON keys of docs/contract.md, the filters, CSV, readable tables."""

import csv
import io
import json
from datetime import date

from kit.rules import case, cred, facility, person, practice, req, snapshot

from nervecenter.data import report
from nervecenter.rules import evaluate

ON = date(2026, 12, 1)


def world():
    """Ochsner wants BLS issued within 12 months; Tulane only warns about a missing BLS.

    Jordan Price's BLS (issued 2025-12-15) is due 2026-12-15 at Ochsner (14 days: stage 30) and
    fails C-2 on 2026-12-20; Lan Nguyen has a fresh card and takes C-1; C-3 at Tulane has
    nobody, and both could take it (Tulane sets no age limit).
    """
    p = practice(facility(reqs=[req(credential="bls", max_age_months=12)]),
                 facility("tulane", "Tulane Medical Center",
                          reqs=[req(credential="bls", enforcement="warn")]))
    people = [person("t-price", "Jordan Price"), person("t-nguyen", "Lan Nguyen")]
    creds = [cred("t-price", "bls", "2027-12-31", "2025-12-15"),
             cred("t-price", "facility_privileges", "2027-06-30", scope="ochsner"),
             cred("t-nguyen", "bls", "2028-06-30", "2026-06-01")]
    cases = [case("C-1", "2026-12-03T08:00", tech="t-nguyen", end="2026-12-03T12:00"),
             case("C-2", "2026-12-20T08:00", end="2026-12-20T12:00"),
             case("C-3", "2026-12-21T08:00", tech=None, facility="tulane")]
    return p, evaluate(p, snapshot(people, creds, cases), ON)


def test_status_json_has_the_spec_keys_and_the_within_filter():
    _, ev = world()
    doc = report.status_json(ev, within=30)
    assert doc == {"as_of": "2026-12-01", "items": [
        {"person": "t-price", "credential": "t-price:bls", "type": "bls", "scope": None,
         "expires": "2027-12-31", "due": "2026-12-15", "due_reason": "ochsner: max_age_months 12",
         "days_left": 14, "stage": 30, "status": "active", "cases": ["C-2"]}],
        "ce_shortfalls": []}  # C-2 (Jordan at Ochsner, 2026-12-20) falls after that due date
    # Within 365 days: also Jordan's privileges (2027-06-30: 211 days) and Lan's card, due
    # 2026-06-01 + 12 months = 2027-06-01 (182 days) since Lan has C-1 at Ochsner.
    assert [i["credential"] for i in report.status_json(ev, within=365)["items"]] == [
        "t-nguyen:bls", "t-price:bls", "t-price:facility_privileges:ochsner"]
    assert [i["due"] for i in report.status_json(ev, within=365, person="t-nguyen")["items"]] \
        == ["2027-06-01"]
    assert report.status_json(ev, within=181, person="t-nguyen")["items"] == []


def test_cases_json_keys_and_filters():
    _, ev = world()
    doc = report.cases_json(ev)
    assert doc["as_of"] == "2026-12-01"
    assert [(c["id"], c["outcome"]) for c in doc["cases"]] == [
        ("C-1", "cleared"), ("C-2", "blocked"), ("C-3", "unstaffed")]
    c2 = doc["cases"][1]
    assert {"id", "facility", "start", "outcome", "problems", "backups"} <= set(c2)
    assert c2["start"] == "2026-12-20T08:00:00-06:00"
    assert c2["problems"] == [{
        "person": "t-price", "role": "technologist", "type": "bls", "reason": "too_old",
        "source": "facility:ochsner",
        "detail": "Jordan Price's BLS Provider was issued on 2025-12-15, more than 12 months "
                  "before this case (accepted until 2026-12-15); Ochsner Medical Center blocks "
                  "the case."}]
    assert c2["backups"] == ["t-nguyen"]
    assert [c["id"] for c in report.cases_json(ev, outcome="blocked")["cases"]] == ["C-2"]
    assert [c["id"] for c in report.cases_json(ev, case="C-3")["cases"]] == ["C-3"]
    assert [c["id"] for c in report.cases_json(ev, start=date(2026, 12, 4),
                                               end=date(2026, 12, 20))["cases"]] == ["C-2"]


def test_conflicts_json_and_type_filter():
    _, ev = world()
    doc = report.conflicts_json(ev)
    assert doc == {"as_of": "2026-12-01", "conflicts": [
        {"type": "bls", "attribute": "max_age_months", "values": {"ochsner": 12, "tulane": None},
         "affected": []},
        {"type": "bls", "attribute": "enforcement",
         "values": {"ochsner": "block", "tulane": "warn"}, "affected": []}]}
    assert report.conflicts_json(ev, type_id="cnim")["conflicts"] == []


def test_json_output_is_the_json_document():
    p, ev = world()
    text = report.render_cases(ev, p, "json")
    assert json.loads(text) == report.cases_json(ev)


def test_cases_csv_has_one_row_per_problem():
    p, ev = world()
    rows = list(csv.DictReader(io.StringIO(report.render_cases(ev, p, "csv"))))
    assert [(r["id"], r["outcome"], r["reason"], r["backups"]) for r in rows] == [
        ("C-1", "cleared", "", ""), ("C-2", "blocked", "too_old", "t-nguyen"),
        ("C-3", "unstaffed", "", "t-nguyen t-price")]


def test_status_csv_and_conflicts_csv():
    p, ev = world()
    rows = list(csv.DictReader(io.StringIO(report.render_status(ev, p, "csv", within=30))))
    assert [(r["person"], r["name"], r["due"], r["stage"], r["cases"]) for r in rows] == [
        ("t-price", "Jordan Price", "2026-12-15", "30", "C-2")]
    rows = list(csv.DictReader(io.StringIO(report.render_conflicts(ev, p, "csv"))))
    assert [(r["attribute"], r["facility"], r["value"]) for r in rows] == [
        ("max_age_months", "ochsner", "12"), ("max_age_months", "tulane", ""),
        ("enforcement", "ochsner", "block"), ("enforcement", "tulane", "warn")]


def test_tables_are_plain_text_within_100_columns_without_colour():
    p, ev = world()
    for text in (report.render_status(ev, p, "table", within=365),
                 report.render_cases(ev, p, "table"), report.render_conflicts(ev, p, "table")):
        assert "\x1b[" not in text
        assert max(len(line) for line in text.splitlines()) <= 100
    cases = report.render_cases(ev, p, "table")
    assert cases.splitlines()[0] == ("As of 2026-12-01: 3 cases (1 cleared, 1 blocked, "
                                     "1 unstaffed):")
    assert "C-2  Sun 2026-12-20 08:00  Ochsner Medical Center  spine  BLOCKED" in cases
    assert "  backups: Lan Nguyen (t-nguyen)" in cases
    assert "  no technologist assigned" in cases
    status = report.render_status(ev, p, "table", within=30)
    assert "  2026-12-15     14  30        BLS Provider" in status
    assert "because of ochsner: max_age_months 12; endangers C-2" in " ".join(status.split())


def test_long_names_wrap_instead_of_being_cut():
    """A cut name can be the wrong one: every word of a long facility or credential name is
    printed, on as many lines as it needs, and no line is longer than 100 columns."""
    long_name = ("Our Lady of the Lake Regional Medical Center Neurosciences Pavilion and "
                 "Outpatient Surgery Annex")
    p = practice(facility(name=long_name, reqs=[req(credential="bls", max_age_months=12)]),
                 facility("tulane", "Tulane Medical Center", reqs=[req(credential="bls")]))
    ev = evaluate(p, snapshot([person("t-price", "Jordan Price")],
                              [cred("t-price", "bls", "2027-12-31", "2025-12-15"),
                               cred("t-price", "facility_privileges", "2027-06-30",
                                    scope="ochsner")],
                              [case("C-2", "2026-12-20T08:00", end="2026-12-20T12:00")]), ON)
    for text in (report.render_cases(ev, p, "table"), report.render_conflicts(ev, p, "table"),
                 report.render_status(ev, p, "table", within=365)):
        assert max(len(line) for line in text.splitlines()) <= 100
        assert "…" not in text
    cases = report.render_cases(ev, p, "table")
    assert long_name in " ".join(cases.split())
    assert cases.splitlines()[2].endswith("BLOCKED")  # the verdict stays on the case's first line
    conflicts = report.render_conflicts(ev, p, "table").splitlines()
    at = next(i for i, line in enumerate(conflicts) if "Our Lady" in line)
    # the name's first line carries the value; the rest of the name follows, indented
    assert conflicts[at].split()[-3:] == ["within", "12", "months"]
    rest = []
    for line in conflicts[at + 1:]:
        if not line.startswith("    "):
            break
        rest += line.split()
    assert " ".join(conflicts[at].split()[:-3] + rest) == long_name


def test_colour_only_when_asked():
    p, ev = world()
    coloured = report.render_cases(ev, p, "table", color=True)
    assert "\x1b[31m\x1b[1mBLOCKED" in coloured  # red, bold
    assert "\x1b[" in report.render_status(ev, p, "table", within=30, color=True)


def test_empty_selections_say_so():
    p, ev = world()
    assert report.render_cases(ev, p, "table", outcome="warning") == "As of 2026-12-01: 0 cases."
    assert report.render_status(ev, p, "table", within=0) == (
        "As of 2026-12-01: 0 credentials due within 0 days.")
