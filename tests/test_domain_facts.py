"""Each fact of a built-in credential type, read from its YAML and checked against the issuer's
or regulator's own figure (written here with its source), and every fact sourced."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from nervecenter.core.dates import derive_expiry
from nervecenter.core.schemas import SOURCED_FACTS
from nervecenter.rules.ce import limit_for

TYPES = Path(__file__).resolve().parent.parent / "plugins" / "credential_types"
ALL = sorted(TYPES.glob("*/*.yaml"))
ABRET_FAQ = "https://www.abret.org/recertification/recertification-faq/"
ABRET_CE = "https://www.abret.org/recertification/acceptable-continuing-education/"


def load(type_id: str) -> dict:
    (path,) = [p for p in ALL if p.stem == type_id]
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_fact_names_its_source_or_says_it_is_a_default_or_a_choice(path):
    data = yaml.safe_load(path.read_text())
    facts = [k for k in SOURCED_FACTS if k in data]
    assert facts, "a type with no facts"
    assert sorted(data.get("sources", {})) == sorted(facts)
    for fact, text in data["sources"].items():
        assert (text.startswith(("http", "OSHA ", "AHA", "45 CFR"))
                or "unconfirmed default" in text or "'s choice" in text), (fact, text)


# ABRET (abret.org/recertification/recertification-faq/): every credential is valid five years,
# expires on December 31 of the expiration year, late recertification until January 31.
@pytest.mark.parametrize("type_id", ["cnim", "cltm", "r_eeg_t", "r_ep_t"])
def test_abret_cycle_year_end_expiry_and_january_grace(type_id):
    t = load(type_id)
    assert (t["validity_months"], t["expiry"], t["grace_days"]) == (60, "end_of_year", 31)
    assert t["sources"]["validity_months"] == ABRET_FAQ
    assert t["sources"]["expiry"] == ABRET_FAQ


# ABRET (abret.org/recertification/acceptable-continuing-education/): CE per 5-year cycle.
@pytest.mark.parametrize("type_id, hours", [("cnim", 50), ("cltm", 50), ("r_eeg_t", 30),
                                            ("r_ep_t", 30)])
def test_abret_ce_hours_per_cycle(type_id, hours):
    ce = load(type_id)["continuing_education"]
    assert (ce["hours"], ce["period_months"]) == (hours, 60)
    assert load(type_id)["sources"]["continuing_education"].startswith(ABRET_CE)


# ABRET: ASET journal article questions at most half; any ONE in-house format at most half
# (not all in-house hours together).
@pytest.mark.parametrize("type_id", ["cnim", "cltm", "r_eeg_t", "r_ep_t"])
def test_abret_caps_each_in_house_format_on_its_own(type_id):
    limits = load(type_id)["continuing_education"]["limits"]
    assert limit_for(limits, "article") == 0.5
    assert limit_for(limits, "in_house/journal_club") == 0.5
    assert limit_for(limits, "in_house/grand_rounds") == 0.5
    assert limit_for(limits, "in_house") == 0.5  # an in-house entry with no format named
    assert limit_for(limits, "conference") is None
    assert "in_house" not in limits  # no cap on all in-house hours together


# ABRET: issued 2024-01-20 for five years -> December 31, 2029 (the example's Okafor).
def test_an_abret_credential_issued_in_2024_expires_at_the_end_of_2029():
    t = load("cnim")
    assert derive_expiry(date(2024, 1, 20), t["validity_months"], t["expiry"]) == \
        date(2029, 12, 31)


# AHA (heart.org/cpr/mycards): two years through the end of the month of issue; no grace.
@pytest.mark.parametrize("type_id", ["bls", "acls", "pals"])
def test_aha_cards(type_id):
    t = load(type_id)
    assert (t["validity_months"], t["expiry"], t["grace_days"]) == (24, "end_of_month", 0)
    assert derive_expiry(date(2025, 2, 11), 24, t["expiry"]) == date(2027, 2, 28)
    assert t["verify"]["url"] == "https://www.heart.org/cpr/mycards"


# ABNM (theabnm.org): recertification applied for up to 2 years before expiry; the cycle
# length is not published where we could confirm it.
def test_d_abnm_cycle_is_an_unconfirmed_default():
    t = load("d_abnm")
    assert t["holders"] == ["reader"]
    assert "unconfirmed default" in t["sources"]["validity_months"]


# Readers' boards: any_of for readers offers more than D.ABNM.
@pytest.mark.parametrize("type_id", ["abcn", "abpn_cnp"])
def test_other_reader_boards_are_readers_with_unconfirmed_cycles(type_id):
    t = load(type_id)
    assert t["holders"] == ["reader"]
    assert "unconfirmed default" in t["sources"]["validity_months"]


# OSHA 29 CFR 1910.134(f)(2): fit test before first use and at least annually.
def test_respirator_fit_test_is_annual_per_osha():
    t = load("respirator_fit_test")
    assert t["validity_months"] == 12
    assert "1910.134(f)(2)" in t["sources"]["validity_months"]
    assert "unconfirmed" not in t["description"]


# OSHA 29 CFR 1910.1030(g)(2)(ii): bloodborne pathogens training at assignment and annually.
def test_bloodborne_pathogens_training_is_annual_per_osha():
    t = load("bloodborne_pathogens_training")
    assert (t["validity_months"], t["scope"]) == (12, "facility")
    assert "1910.1030" in t["sources"]["validity_months"]


# Facilities require influenza vaccination per season: a November 2026 shot must not carry
# into the 2027-28 season.
def test_influenza_is_valid_through_its_season_only():
    t = load("influenza_vaccine")
    assert t["expiry"] == "season" and "validity_months" not in t
    expires = derive_expiry(date(2026, 11, 5), None, t["expiry"], t["season_start"])
    assert expires == date(2027, 6, 30)
    assert "unconfirmed default" in t["sources"]["season_start"]


# The Joint Commission: reappointment at most every 3 years; the 24-month cycle and the lead
# time are a facility's choice and an unconfirmed default, and say so.
def test_facility_privileges_lead_time_is_not_presented_as_fact():
    t = load("facility_privileges")
    assert "facility's choice" in t["sources"]["validity_months"]
    assert "unconfirmed default" in t["sources"]["renewal_lead_days"]


# No US state licenses IONM technologists: the state licence is a reader's (or another
# licensed profession's) and the example never gives a technologist one.
def test_no_technologist_holds_a_state_licence_in_the_example_or_the_docs():
    root = TYPES.parent.parent
    people = yaml.safe_load((root / "config" / "example" / "people.yaml").read_text())["people"]
    for person in people:
        if person["role"] == "technologist":
            assert all(c["type"] != "state_license" for c in person["credentials"]), person["id"]
    technologist_licence = re.compile(r"Price's (\w+ )?state licence|t-price,[^\n]*,state_license,")
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        assert not technologist_licence.search(doc.read_text()), doc.name


def test_the_reader_has_one_name_in_the_docs():
    root = TYPES.parent.parent
    for doc in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        assert "Ravi Adams" not in doc.read_text() and "Riley Adams" not in doc.read_text()


# OSHA 29 CFR 1910.1030(f): the employer offers the hepatitis B series to every employee with
# occupational exposure; immunity on file is given once (no booster: ACIP, unconfirmed here).
@pytest.mark.parametrize("type_id", ["hepatitis_b_immunity", "mmr_immunity",
                                     "varicella_immunity"])
def test_immunity_records_are_given_once(type_id):
    t = load(type_id)
    assert (t["expiry"], t["scope"]) == ("never", "person") and "validity_months" not in t
    assert "unconfirmed default" in t["sources"]["expiry"]
    assert derive_expiry(date(2010, 5, 4), None, t["expiry"]) == date(9999, 12, 31)
    if type_id == "hepatitis_b_immunity":
        assert "1910.1030(f)" in t["sources"]["expiry"]


# ACIP adult schedule: a Td or Tdap booster every 10 years (unconfirmed here).
def test_tdap_booster_every_ten_years():
    t = load("tdap")
    assert (t["validity_months"], t["expiry"]) == (120, "exact")
    assert "unconfirmed default" in t["sources"]["validity_months"]
