"""Conflicts between facilities' requirements for the same credential type."""

from datetime import date

from rules_kit import cred, facility, person, practice, req, snapshot

from nervecenter.rules import evaluate

ON = date(2026, 12, 1)


def test_conflicts_and_the_people_caught_between():
    ochsner = facility(reqs=[
        req(credential="bls", max_age_months=12, issuers=["AHA"]),
        req(any_of=["cnim", "d_abnm"], role="any"),
        req(credential="state_license", role="reader", valid_days_after_case=30)])
    tulane = facility("tulane", "Tulane Medical Center", reqs=[
        req(credential="bls", enforcement="warn"),
        req(credential="cnim", enforcement="warn"),
        req(credential="state_license", role="reader", enforcement="warn")])
    people = [person("t-price", "Jordan Price"), person("t-nguyen", "Lan Nguyen"),
              person("t-evans", "Sam Evans"), person("r-adams", "Ravi Adams", "reader")]
    creds = [
        # Issued 2025-11-20: more than 12 months ago on 2026-12-01, still valid -> max age.
        cred("t-price", "bls", "2027-11-30", "2025-11-20", issuer="AHA"),
        cred("t-price", "cnim", "2028-12-31", "2023-06-01"),
        # Recent, but from the Red Cross -> issuers.
        cred("t-nguyen", "bls", "2028-06-30", "2026-06-01", issuer="Red Cross"),
        cred("t-nguyen", "cnim", "2028-12-31"),
        # Expired cards: blocked at Ochsner, only warned at Tulane -> enforcement.
        cred("t-evans", "bls", "2026-11-30", "2024-11-15", issuer="AHA"),
        cred("t-evans", "cnim", "2025-12-31"),
        # A D.ABNM and no CNIM -> accepted alternatives; licence ends within 30 days -> validity.
        cred("r-adams", "d_abnm", "2030-06-30"),
        cred("r-adams", "state_license", "2026-12-15", scope="LA"),
    ]
    ev = evaluate(practice(ochsner, tulane), snapshot(people, creds), ON)
    assert [c.as_dict() for c in ev.conflicts] == [
        {"type": "bls", "attribute": "max_age_months", "values": {"ochsner": 12, "tulane": None},
         "affected": ["t-price"]},
        {"type": "bls", "attribute": "issuers", "values": {"ochsner": ["AHA"], "tulane": None},
         "affected": ["t-nguyen"]},
        {"type": "bls", "attribute": "enforcement",
         "values": {"ochsner": "block", "tulane": "warn"}, "affected": ["t-evans"]},
        {"type": "cnim", "attribute": "any_of",
         "values": {"ochsner": ["cnim", "d_abnm"], "tulane": ["cnim"]}, "affected": ["r-adams"]},
        {"type": "cnim", "attribute": "enforcement",
         "values": {"ochsner": "block", "tulane": "warn"}, "affected": ["t-evans"]},
        {"type": "state_license", "attribute": "valid_days_after_case",
         "values": {"ochsner": 30, "tulane": None}, "affected": ["r-adams"]},
        {"type": "state_license", "attribute": "enforcement",
         "values": {"ochsner": "block", "tulane": "warn"}, "affected": []},
    ]


def test_identical_rules_are_no_conflict_and_one_facility_cannot_conflict():
    same = [req(credential="bls", max_age_months=24)]
    p = practice(facility(reqs=same), facility("tulane", "Tulane", reqs=same),
                 facility("baylor", "Baylor", state="TX", reqs=[req(credential="acls")]))
    ev = evaluate(p, snapshot([], []), ON)
    assert ev.conflicts == ()


def test_the_strictest_of_a_facilitys_own_rules_stands_for_it():
    # Ochsner asks BLS of technologists within 24 months and of readers within 12.
    p = practice(facility(reqs=[req(credential="bls", max_age_months=24),
                                req(credential="bls", role="reader", max_age_months=12)]),
                 facility("tulane", "Tulane", reqs=[req(credential="bls", max_age_months=24)]))
    ev = evaluate(p, snapshot([], []), ON)
    assert [(c.type, c.attribute, c.values) for c in ev.conflicts] == [
        ("bls", "max_age_months", {"ochsner": 12, "tulane": 24})]


def test_only_people_of_a_role_the_rules_apply_to_are_affected():
    # Both facilities ask BLS of technologists only; a reader's old card affects nobody.
    p = practice(facility(reqs=[req(credential="bls", max_age_months=12)]),
                 facility("tulane", "Tulane", reqs=[req(credential="bls")]))
    people = [person("t-price", "Jordan Price"), person("r-adams", "Ravi Adams", "reader")]
    creds = [cred("t-price", "bls", "2027-11-30", "2025-11-20"),
             cred("r-adams", "bls", "2027-11-30", "2025-11-20")]
    (conflict,) = evaluate(p, snapshot(people, creds), ON).conflicts
    assert conflict.affected == ("t-price",)
