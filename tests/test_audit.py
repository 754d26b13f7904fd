"""The auditor's packet is the engine's answer: every case in it has the outcome and problems
that `nervecenter cases --on <its day>` gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def nc(example_nc):
    """The example's CLI on the test's database: its output, once it exited 0."""
    def call(*args: str) -> str:
        code, out, err = example_nc(*args)
        assert code == 0, err
        return out

    return call


def test_every_case_in_every_packet_is_as_cases_on_its_day(nc):
    # a renewal recorded mid-period: days before it are judged on the old card, days after on
    # the new one (Jordan Price's BLS is too old for Ochsner from 2026-12-15 until then)
    nc("renew", "t-price", "bls", "--issued", "2026-12-10", "--expires", "2028-12-31")
    checked = 0
    for facility in ("ochsner-main", "tulane", "memorial-hermann-tmc"):
        doc = json.loads(nc("audit", "--facility", facility, "--from", "2026-01-01",
                            "--to", "2027-06-30", "--on", "2026-12-01", "--format", "json"))
        assert (doc["facility"], doc["from"], doc["to"], doc["as_of"]) == (
            facility, "2026-01-01", "2027-06-30", "2026-12-01")
        assert doc["cases"], facility
        for case in doc["cases"]:
            day = case["day"]
            listed = json.loads(nc("cases", "--on", day, "--case", case["id"],
                                   "--format", "json"))["cases"]
            (expected,) = listed
            assert case["outcome"] == expected["outcome"], case["id"]
            assert case["problems"] == expected["problems"], case["id"]
            assert (case["technologist"], case["reader"]) == (expected["technologist"],
                                                              expected["reader"])
            checked += 1
    assert checked == 16  # every case of the example's schedule


RED_CROSS_ONLY = """id: ochsner-main
name: Ochsner Medical Center
state: LA
timezone: America/Chicago
requirements:
  - credential: facility_privileges
    role: any
  - credential: bls
    issuers: [American Red Cross]
  - any_of: [cnim, d_abnm]
  - credential: acls
    when: {procedure: [cranial, vascular]}
"""


def test_a_wrong_issuer_and_a_capitalised_procedure_are_judged_as_cases_does(nc, example):
    """The two disagreements that made the packet a second opinion: a BLS card from an issuer
    the facility does not accept, and a case whose procedure is written `Cranial`."""
    (example / "facilities" / "ochsner-main.yaml").write_text(RED_CROSS_ONLY)
    (example / "cases.csv").write_text("id,facility,start,end,procedure,technologist,reader\n"
                                      "C-9001,ochsner-main,2026-12-02T08:00,,Cranial,t-hebert,"
                                      "r-kim\n")
    doc = json.loads(nc("audit", "--facility", "ochsner-main", "--from", "2026-12-02",
                        "--to", "2026-12-02", "--on", "2026-12-02", "--format", "json"))
    (case,) = doc["cases"]
    assert case["outcome"] == "blocked"
    assert {p["reason"] for p in case["problems"]} == {"wrong_issuer"}
    rows = {(r["person"], r["type"]): r for r in doc["people"]}
    assert rows["t-hebert", "bls"]["status"] == "wrong_issuer"
    assert rows["t-hebert", "acls"]["requirement"].endswith("(when procedure in cranial/vascular)")


def test_a_period_without_cases_says_so(nc):
    html = nc("audit", "--facility", "tulane", "--from", "2020-01-01", "--to", "2020-12-31",
              "--on", "2026-12-01", "--format", "html")
    assert "No cases at this facility from 2020-01-01 to 2020-12-31." in html
    assert "<html lang=\"en\">" in html and "<title>" in html
    text = nc("audit", "--facility", "tulane", "--from", "2020-01-01", "--to", "2020-12-31",
              "--on", "2026-12-01")
    assert text.startswith("id,day,technologist,reader,outcome,problems,exclusion_screening\n\n"
                           "person,name,")


def test_the_html_packet_names_people(nc):
    html = nc("audit", "--facility", "ochsner-main", "--on", "2026-12-31", "--format", "html")
    assert "Jordan Price" in html and "Elise Adams, MD" in html
    assert ">t-price<" not in html and ">r-adams<" not in html
