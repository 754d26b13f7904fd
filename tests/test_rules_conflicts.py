"""Conflicts between facilities' requirements for the same credential type."""

from datetime import date

from kit.rules import cred, facility, person, practice, req, snapshot

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


READERS = [person("r-mid", "Mia Mid", "reader"), person("r-edge", "Eli Edge", "reader"),
           person("r-short", "Sol Short", "reader"), person("r-long", "Lou Long", "reader"),
           person("t-price", "Jordan Price")]
# Louisiana licences against a case on 2026-12-01: + 30 days = 2026-12-31, + 60 days = 2027-01-30.
LICENCES = [
    cred("r-mid", "state_license", "2027-01-15", scope="LA"),    # good for 30 days, not 60
    cred("r-edge", "state_license", "2027-01-30", scope="LA"),   # exactly 60 days: good for both
    cred("r-short", "state_license", "2026-12-20", scope="LA"),  # valid, but not for 30 days
    cred("r-long", "state_license", "2028-06-30", scope="LA"),   # good for both
    cred("t-price", "state_license", "2027-01-15", scope="LA"),  # a technologist: not concerned
]


def licence_rule(days=0):
    return req(credential="state_license", role="reader", valid_days_after_case=days)


def test_two_numeric_limits_30_and_60_days():
    # Baton Rouge General (listed first) asks 30 days of validity after a case, Ochsner 60.
    p = practice(facility("baton", "Baton Rouge General", reqs=[licence_rule(30)]),
                 facility(reqs=[licence_rule(60)]))
    (conflict,) = evaluate(p, snapshot(READERS, LICENCES), ON).conflicts
    assert conflict.as_dict() == {
        "type": "state_license", "attribute": "valid_days_after_case",
        "values": {"baton": 30, "ochsner": 60},
        # Only r-mid meets Baton Rouge's 30 days and not Ochsner's 60; r-short meets neither.
        "affected": ["r-mid"]}


def test_with_a_third_facility_without_limit_the_lenient_end_is_no_limit():
    # Tulane asks the licence with no validity after the case: now the range is none .. 60 days,
    # and r-short (valid today, not 60 days on) is caught too.
    p = practice(facility("baton", "Baton Rouge General", reqs=[licence_rule(30)]),
                 facility(reqs=[licence_rule(60)]),
                 facility("tulane", "Tulane Medical Center", reqs=[licence_rule()]))
    (conflict,) = evaluate(p, snapshot(READERS, LICENCES), ON).conflicts
    assert (conflict.values, conflict.affected) == (
        {"baton": 30, "ochsner": 60, "tulane": None}, ("r-mid", "r-short"))


def test_two_age_limits_12_and_24_months():
    # Baton Rouge General (listed first) accepts BLS within 24 months of issue, Ochsner 12.
    p = practice(facility("baton", "Baton Rouge General",
                          reqs=[req(credential="bls", max_age_months=24)]),
                 facility(reqs=[req(credential="bls", max_age_months=12)]))
    people = [person("t-mid", "Mo Mid"), person("t-edge", "Ed Edge"), person("t-old", "Al Old")]
    creds = [
        cred("t-mid", "bls", "2027-12-31", "2025-06-01"),   # 12 months: 2026-06-01, 24: 2027-06-01
        cred("t-edge", "bls", "2027-12-31", "2025-12-01"),  # 12 months: 2026-12-01, today: good
        cred("t-old", "bls", "2027-12-31", "2024-06-01"),   # 24 months: 2026-06-01, too old for both
    ]
    (conflict,) = evaluate(p, snapshot(people, creds), ON).conflicts
    assert (conflict.attribute, conflict.values, conflict.affected) == (
        "max_age_months", {"baton": 24, "ochsner": 12}, ("t-mid",))


def test_issuers_where_the_first_facility_takes_any():
    p = practice(facility("baton", "Baton Rouge General", reqs=[req(credential="bls")]),
                 facility(reqs=[req(credential="bls", issuers=["AHA"])]))
    people = [person("t-price", "Jordan Price"), person("t-nguyen", "Lan Nguyen")]
    creds = [cred("t-price", "bls", "2027-12-31", issuer="AHA"),
             cred("t-nguyen", "bls", "2027-12-31", issuer="Red Cross")]
    (conflict,) = evaluate(p, snapshot(people, creds), ON).conflicts
    assert (conflict.attribute, conflict.values, conflict.affected) == (
        "issuers", {"baton": None, "ochsner": ["AHA"]}, ("t-nguyen",))


def test_conflicts_over_types_nobody_holds_affect_nobody():
    # Ochsner accepts CNIM or CLTM and blocks without ACLS; Tulane asks CNIM and only warns
    # without ACLS. Nobody holds a CLTM or an ACLS card.
    p = practice(facility(reqs=[req(any_of=["cnim", "cltm"]), req(credential="acls")]),
                 facility("tulane", "Tulane", reqs=[req(credential="cnim"),
                                                    req(credential="acls", enforcement="warn")]))
    creds = [cred("t-price", "cnim", "2028-12-31")]
    ev = evaluate(p, snapshot([person("t-price", "Jordan Price")], creds), ON)
    assert [c.as_dict() for c in ev.conflicts] == [
        {"type": "acls", "attribute": "enforcement", "values": {"ochsner": "block", "tulane": "warn"},
         "affected": []},
        {"type": "cnim", "attribute": "any_of",
         "values": {"ochsner": ["cltm", "cnim"], "tulane": ["cnim"]}, "affected": []},
    ]
