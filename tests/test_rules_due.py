"""Due dates: expiry, made earlier by facilities where the holder works; days left and stage."""

from datetime import date

import pytest
from rules_kit import case, cred, facility, person, practice, req, snapshot, state

from nervecenter.rules import evaluate
from nervecenter.rules.due import stage_for

ON = date(2026, 12, 1)
PRICE = person("t-price", "Jordan Price")
ADAMS = person("r-adams", "Ravi Adams", "reader")


def world(cases=()):
    ochsner = facility(reqs=[req(credential="bls", max_age_months=12)])
    tulane = facility("tulane", "Tulane Medical Center", reqs=[req(credential="bls", max_age_months=10)])
    la = state("LA", req(credential="state_license", role="reader", valid_days_after_case=30))
    p = practice(ochsner, tulane, states=[la])
    creds = [
        cred("t-price", "bls", "2028-01-31", issued="2026-01-10"),
        cred("t-price", "facility_privileges", "2027-06-30", scope="ochsner"),
        cred("t-price", "state_license", "2027-03-31", scope="LA"),
        cred("t-price", "acls", "2026-12-20"),
        cred("r-adams", "state_license", "2027-03-31", scope="LA"),
        cred("r-adams", "state_license", "2027-02-28", scope="TX"),
    ]
    ev = evaluate(p, snapshot([PRICE, ADAMS], creds, cases), ON)
    return {d.credential.id: d for d in ev.due_dates}


def test_a_facility_with_privileges_makes_the_due_date_earlier():
    d = world()["t-price:bls"]
    # Privileges at Ochsner, whose BLS rule is max_age_months 12: 2026-01-10 + 12 months.
    assert (d.due, d.due_reason, d.days_left, d.stage) == (
        date(2027, 1, 10), "ochsner: max_age_months 12", 40, 60)
    assert d.as_dict() == {
        "person": "t-price", "credential": "t-price:bls", "type": "bls", "scope": None,
        "expires": "2028-01-31", "due": "2027-01-10", "due_reason": "ochsner: max_age_months 12",
        "days_left": 40, "stage": 60, "status": "active"}


def test_a_facility_with_a_case_in_the_horizon_counts_too_and_the_case_is_endangered():
    # A Tulane case on 2026-12-10 (in the 30-day horizon): BLS max 10 months -> 2026-11-10.
    d = world([case("C-7", "2026-12-10T08:00", facility="tulane")])["t-price:bls"]
    assert (d.due, d.due_reason, d.days_left, d.stage) == (
        date(2026, 11, 10), "tulane: max_age_months 10", -21, 0)
    assert d.cases == ("C-7",)


def test_a_case_beyond_the_horizon_does_not_count():
    d = world([case("C-8", "2027-01-05T08:00", facility="tulane")])["t-price:bls"]
    assert (d.due, d.due_reason) == (date(2027, 1, 10), "ochsner: max_age_months 12")
    assert d.cases == ()


def test_valid_days_after_case_applies_to_its_role_and_scope_only():
    dates = world([case("C-1", "2026-12-03T08:00", reader="r-adams")])
    reader_la = dates["r-adams:state_license:LA"]
    # Louisiana's reader rule: due 30 days before the 2027-03-31 expiry.
    assert (reader_la.due, reader_la.due_reason, reader_la.days_left, reader_la.stage) == (
        date(2027, 3, 1), "state LA: valid_days_after_case 30", 90, 90)
    reader_tx = dates["r-adams:state_license:TX"]
    assert (reader_tx.due, reader_tx.due_reason) == (date(2027, 2, 28), None)
    tech_la = dates["t-price:state_license:LA"]
    assert (tech_la.due, tech_la.due_reason, tech_la.days_left, tech_la.stage) == (
        date(2027, 3, 31), None, 120, None)


def test_stages_per_type_override_the_practices():
    # ACLS has stages (60, 14, 0) in the kit: 19 days left is stage 60, not 30.
    d = world()["t-price:acls"]
    assert (d.days_left, d.stage) == (19, 60)


def test_no_facility_means_the_expiry():
    d = world()["t-price:facility_privileges:ochsner"]
    assert (d.due, d.due_reason, d.days_left, d.stage) == (date(2027, 6, 30), None, 211, None)


@pytest.mark.parametrize("days_left, stage", [
    (91, None), (90, 90), (61, 90), (60, 60), (8, 30), (7, 7), (1, 7), (0, 0), (-5, 0)])
def test_stage_is_the_smallest_stage_at_or_above_the_days_left(days_left, stage):
    assert stage_for(days_left, (90, 60, 30, 7, 0)) == stage
