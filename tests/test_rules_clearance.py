"""Case clearance: every reason code and every requirement key, worked out by hand.

The case under test is C-1 on Thursday 2026-12-03 at Ochsner Medical Center (LA), evaluated on
2026-12-01 unless said otherwise.
"""

from datetime import date

import pytest
from kit.rules import case, cred, facility, person, practice, req, snapshot, state

from nervecenter.core.errors import NerveCenterError
from nervecenter.rules import evaluate
from nervecenter.rules.results import REASONS

ON = date(2026, 12, 1)
PRICE = person("t-price", "Jordan Price")
ADAMS = person("r-adams", "Ravi Adams", "reader")


def clear_one(reqs, creds, c=None, people=(PRICE, ADAMS), states=(), on=ON, enforcement="block"):
    p = practice(facility(reqs=reqs, enforcement=enforcement), states=states)
    ev = evaluate(p, snapshot(people, creds, [c or case("C-1", "2026-12-03T08:00")]), on)
    assert len(ev.clearances) == 1
    return ev.clearances[0]


def only_problem(clearance):
    assert len(clearance.problems) == 1, clearance.problems
    return clearance.problems[0]


def test_valid_credential_clears_the_case():
    c = clear_one([req(credential="bls")], [cred("t-price", "bls", "2027-11-30", "2025-11-20")])
    assert (c.outcome, c.problems, c.backups) == ("cleared", (), ())


def test_missing():
    p = only_problem(clear_one([req(credential="bls")], []))
    assert (p.person, p.role, p.type, p.reason, p.source) == (
        "t-price", "technologist", "bls", "missing", "facility:ochsner")
    assert p.detail == ("Jordan Price has no BLS Provider on file; Ochsner Medical Center requires "
                        "it and blocks the case.")
    assert p.credential == "t-price:bls"


def test_expired_names_the_date_and_the_days_before_the_case():
    c = clear_one([req(credential="bls")], [cred("t-price", "bls", "2026-11-28")])
    p = only_problem(c)
    assert c.outcome == "blocked"
    assert p.reason == "expired"
    assert p.detail == ("Jordan Price's BLS Provider expired on 2026-11-28, 5 days before this "
                        "case; Ochsner Medical Center blocks the case.")


def test_valid_through_the_whole_expiry_day():
    c = clear_one([req(credential="bls")], [cred("t-price", "bls", "2026-12-03")])
    assert c.outcome == "cleared"


def test_not_yet_valid():
    p = only_problem(clear_one([req(credential="bls")],
                               [cred("t-price", "bls", "2028-12-31", issued="2026-12-10")]))
    assert p.reason == "not_yet_valid"
    assert p.detail == ("Jordan Price's BLS Provider is only valid from 2026-12-10, 7 days after "
                        "this case; Ochsner Medical Center blocks the case.")


def test_too_old_with_max_age_months():
    reqs = [req(credential="bls", max_age_months=12)]
    # Issued 2025-11-20: accepted until 2026-11-20, the case is on 2026-12-03.
    p = only_problem(clear_one(reqs, [cred("t-price", "bls", "2027-11-30", "2025-11-20")]))
    assert p.reason == "too_old"
    assert p.detail == ("Jordan Price's BLS Provider was issued on 2025-11-20, more than 12 months "
                        "before this case (accepted until 2026-11-20); Ochsner Medical Center "
                        "blocks the case.")
    # Issued 2025-12-03: exactly 12 months before the case, still accepted.
    assert clear_one(reqs, [cred("t-price", "bls", "2027-12-31", "2025-12-03")]).outcome == "cleared"
    # No issue date on record: its age cannot be shown, so it is not accepted.
    assert only_problem(clear_one(reqs, [cred("t-price", "bls", "2027-12-31")])).reason == "too_old"


@pytest.mark.parametrize("issued, case_day, outcome", [
    ("2026-10-31", "2026-11-30", "cleared"),   # Oct 31 + 1 month clamps to Nov 30
    ("2026-10-31", "2026-12-01", "blocked"),
    ("2024-02-29", "2025-02-28", "cleared"),   # Feb 29 + 12 months clamps to Feb 28
    ("2024-02-29", "2025-03-01", "blocked"),
])
def test_max_age_months_clamps_at_month_end(issued, case_day, outcome):
    months = 1 if issued.startswith("2026") else 12
    c = clear_one([req(credential="bls", max_age_months=months)],
                  [cred("t-price", "bls", "2027-12-31", issued)],
                  c=case("C-1", f"{case_day}T08:00"), on=date.fromisoformat(case_day))
    assert c.outcome == outcome
    if outcome == "blocked":
        assert only_problem(c).reason == "too_old"


def test_expires_too_soon_with_valid_days_after_case():
    reqs = [req(credential="state_license", role="reader", valid_days_after_case=30)]
    c = case("C-1", "2026-12-03T08:00", reader="r-adams")
    # 2026-12-03 + 30 days = 2027-01-02, one day after the licence's last day.
    p = only_problem(clear_one(reqs, [cred("r-adams", "state_license", "2027-01-01", scope="LA")], c))
    assert (p.person, p.role, p.reason) == ("r-adams", "reader", "expires_too_soon")
    assert p.detail == ("Ravi Adams's Louisiana state licence expires on 2027-01-01, but must stay "
                        "valid until 2027-01-02 (30 days after this case); Ochsner Medical Center "
                        "blocks the case.")
    ok = clear_one(reqs, [cred("r-adams", "state_license", "2027-01-02", scope="LA")], c)
    assert ok.outcome == "cleared"


def test_revoked():
    p = only_problem(clear_one([req(credential="bls")],
                               [cred("t-price", "bls", "2027-11-30", status="revoked")]))
    assert p.reason == "revoked"
    assert p.detail == "Jordan Price's BLS Provider is revoked; Ochsner Medical Center blocks the case."


def test_renewal_submitted_is_still_a_valid_credential_until_it_expires():
    c = clear_one([req(credential="bls")],
                  [cred("t-price", "bls", "2027-11-30", status="renewal_submitted")])
    assert c.outcome == "cleared"


def test_issuers():
    reqs = [req(credential="bls", issuers=["AHA"])]
    p = only_problem(clear_one(reqs, [cred("t-price", "bls", "2027-11-30", issuer="Red Cross")]))
    assert p.reason == "wrong_issuer"
    assert p.detail == ("Jordan Price's BLS Provider is from Red Cross, and Ochsner Medical Center "
                        "accepts only AHA; Ochsner Medical Center blocks the case.")
    # Issuers are matched without regard to letter case.
    assert clear_one(reqs, [cred("t-price", "bls", "2027-11-30", issuer="aha")]).outcome == "cleared"


def test_verified():
    reqs = [req(credential="cnim", verified=True)]
    never = only_problem(clear_one(reqs, [cred("t-price", "cnim", "2028-12-31", "2023-06-01")]))
    assert never.reason == "unverified"
    assert never.detail == ("Jordan Price's CNIM has no primary source verification dated on or "
                            "after its issue on 2023-06-01; Ochsner Medical Center blocks the case.")
    stale = clear_one(reqs, [cred("t-price", "cnim", "2028-12-31", "2023-06-01",
                                  verified_on="2023-05-31")])
    assert only_problem(stale).reason == "unverified"
    fresh = clear_one(reqs, [cred("t-price", "cnim", "2028-12-31", "2023-06-01",
                                  verified_on="2023-06-01")])
    assert fresh.outcome == "cleared"
    # Without `verified: true` no verification is needed.
    plain = clear_one([req(credential="cnim")], [cred("t-price", "cnim", "2028-12-31", "2023-06-01")])
    assert plain.outcome == "cleared"


def test_grace_is_refused_unless_the_requirement_accepts_it():
    # CNIM has 31 days of grace; it expired 3 days before the case.
    creds = [cred("t-price", "cnim", "2026-11-30")]
    p = only_problem(clear_one([req(credential="cnim")], creds))
    assert p.reason == "expired"
    assert p.detail == ("Jordan Price's CNIM expired on 2026-11-30, 3 days before this case (its "
                        "late-renewal grace period is not accepted here); Ochsner Medical Center "
                        "blocks the case.")
    assert clear_one([req(credential="cnim", accept_grace=True)], creds).outcome == "cleared"


def test_grace_accepted_but_over():
    # Expired 2026-10-31: 31 days of grace end 2026-12-01, two days before the case.
    p = only_problem(clear_one([req(credential="cnim", accept_grace=True)],
                               [cred("t-price", "cnim", "2026-10-31")]))
    assert p.reason == "expired"
    assert "its 31 days of grace are over too" in p.detail


def test_grace_also_counts_for_valid_days_after_case():
    # Expires 2026-12-20, + 31 days of grace = 2027-01-20; the case + 30 days = 2027-01-02.
    creds = [cred("t-price", "cnim", "2026-12-20")]
    assert clear_one([req(credential="cnim", valid_days_after_case=30, accept_grace=True)],
                     creds).outcome == "cleared"
    p = only_problem(clear_one([req(credential="cnim", valid_days_after_case=30)], creds))
    assert p.reason == "expires_too_soon"


def test_enforcement_warn_gives_a_warning():
    c = clear_one([req(credential="bls", enforcement="warn")], [])
    assert c.outcome == "warning"
    assert only_problem(c).detail == ("Jordan Price has no BLS Provider on file; Ochsner Medical "
                                      "Center requires it and warns but allows the case.")


def test_one_blocking_problem_among_warnings_blocks():
    c = clear_one([req(credential="bls", enforcement="warn"), req(credential="acls")], [])
    assert c.outcome == "blocked"
    assert [(p.type, p.enforcement) for p in c.problems] == [("bls", "warn"), ("acls", "block")]


def test_any_of_met_by_the_second_alternative():
    c = clear_one([req(any_of=["cnim", "d_abnm"])], [cred("t-price", "d_abnm", "2030-01-01")])
    assert c.outcome == "cleared"


def test_any_of_with_none_on_file():
    p = only_problem(clear_one([req(any_of=["cnim", "d_abnm"])], []))
    assert (p.type, p.reason) == ("cnim", "missing")
    assert p.detail == ("Jordan Price has no CNIM or D.ABNM on file; Ochsner Medical Center "
                        "accepts any of them and blocks the case.")


def test_any_of_partial_match_explains_the_best_candidate():
    # Only an expired CNIM: that is the candidate to explain.
    p = only_problem(clear_one([req(any_of=["cnim", "d_abnm"])],
                               [cred("t-price", "cnim", "2026-11-28")]))
    assert (p.type, p.reason, p.credential) == ("cnim", "expired", "t-price:cnim")
    assert p.detail == ("Jordan Price's CNIM expired on 2026-11-28, 5 days before this case (its "
                        "late-renewal grace period is not accepted here), and there is no valid "
                        "D.ABNM either; Ochsner Medical Center blocks the case.")
    # A revoked D.ABNM is a worse candidate than an expired CNIM.
    p = only_problem(clear_one([req(any_of=["d_abnm", "cnim"])],
                               [cred("t-price", "d_abnm", "2030-01-01", status="revoked"),
                                cred("t-price", "cnim", "2026-11-28")]))
    assert (p.type, p.reason) == ("cnim", "expired")
    # Between two failing ones, the one expiring last is closer to being valid.
    p = only_problem(clear_one([req(any_of=["cnim", "d_abnm"], max_age_months=12)],
                               [cred("t-price", "cnim", "2026-11-28", "2022-01-01"),
                                cred("t-price", "d_abnm", "2031-01-01", "2021-01-01")]))
    assert (p.type, p.reason) == ("d_abnm", "too_old")


def test_role_filters_whom_a_requirement_applies_to():
    reqs = [req(credential="d_abnm", role="reader"), req(credential="bls", role="any")]
    c = clear_one(reqs, [], c=case("C-1", "2026-12-03T08:00", reader="r-adams"))
    assert sorted((p.person, p.role, p.type) for p in c.problems) == [
        ("r-adams", "reader", "bls"), ("r-adams", "reader", "d_abnm"),
        ("t-price", "technologist", "bls")]


def test_a_case_without_reader_skips_reader_requirements():
    c = clear_one([req(credential="d_abnm", role="reader")], [], c=case("C-1", "2026-12-03T08:00"))
    assert c.outcome == "cleared"


def test_a_case_without_technologist_is_unstaffed_and_still_checks_the_reader():
    c = clear_one([req(credential="d_abnm", role="reader"), req(credential="bls")], [],
                  c=case("C-1", "2026-12-03T08:00", tech=None, reader="r-adams"))
    assert c.outcome == "unstaffed"
    assert [(p.person, p.type) for p in c.problems] == [("r-adams", "d_abnm")]


def test_state_scope_defaults_to_the_facilitys_state():
    reqs = [req(credential="state_license", role="reader")]
    c = case("C-1", "2026-12-03T08:00", reader="r-adams")
    p = only_problem(clear_one(reqs, [cred("r-adams", "state_license", "2028-01-01", scope="TX")], c))
    assert (p.reason, p.credential) == ("missing", "r-adams:state_license:LA")
    assert p.detail.startswith("Ravi Adams has no Louisiana state licence on file;")
    ok = clear_one(reqs, [cred("r-adams", "state_license", "2028-01-01", scope="LA")], c)
    assert ok.outcome == "cleared"


def test_state_scope_named_explicitly():
    reqs = [req(credential="state_license", role="reader", state="TX")]
    c = case("C-1", "2026-12-03T08:00", reader="r-adams")
    la_only = clear_one(reqs, [cred("r-adams", "state_license", "2028-01-01", scope="LA")], c)
    assert only_problem(la_only).detail.startswith("Ravi Adams has no Texas state licence on file;")
    tx = clear_one(reqs, [cred("r-adams", "state_license", "2028-01-01", scope="TX")], c)
    assert tx.outcome == "cleared"


def test_facility_scope_default_and_explicit():
    elsewhere = [cred("t-price", "facility_privileges", "2028-01-01", scope="tulane")]
    p = only_problem(clear_one([req(credential="facility_privileges")], elsewhere))
    assert p.detail.startswith("Jordan Price has no Facility privileges at Ochsner Medical Center "
                               "on file;")
    assert p.credential == "t-price:facility_privileges:ochsner"
    explicit = clear_one([req(credential="facility_privileges", facility="tulane")], elsewhere)
    assert explicit.outcome == "cleared"


def test_state_rules_apply_beside_the_facilitys():
    c = clear_one([req(credential="bls")], [cred("t-price", "bls", "2027-11-30")],
                  c=case("C-1", "2026-12-03T08:00", reader="r-adams"),
                  states=[state("LA", req(credential="state_license", role="reader"))])
    p = only_problem(c)
    assert p.source == "state:LA"
    assert p.detail == ("Ravi Adams has no Louisiana state licence on file; Louisiana's rules "
                        "require it and block the case.")


def test_state_rules_do_not_apply_in_other_states():
    c = clear_one([], [], c=case("C-1", "2026-12-03T08:00", reader="r-adams"),
                  states=[state("TX", req(credential="state_license", role="reader"))])
    assert c.outcome == "cleared"


def test_when_on_procedure_is_one_of_a_list():
    reqs = [req(credential="acls", when={"procedure": ["cranial", "vascular"]})]
    assert clear_one(reqs, [], c=case("C-1", "2026-12-03T08:00", procedure="spine")).outcome == "cleared"
    cranial = clear_one(reqs, [], c=case("C-1", "2026-12-03T08:00", procedure="Cranial"))
    assert only_problem(cranial).type == "acls"
    assert clear_one(reqs, [], c=case("C-1", "2026-12-03T08:00", procedure=None)).outcome == "cleared"


def test_when_on_an_extra_case_field():
    reqs = [req(credential="cltm", when={"side": "left", "procedure": "spine"})]
    left = clear_one(reqs, [], c=case("C-1", "2026-12-03T08:00", side="left"))
    assert only_problem(left).type == "cltm"
    right = clear_one(reqs, [], c=case("C-1", "2026-12-03T08:00", side="right"))
    assert right.outcome == "cleared"
    # Every condition must hold: left side but a cranial case.
    cranial = clear_one(reqs, [], c=case("C-1", "2026-12-03T08:00", side="left", procedure="cranial"))
    assert cranial.outcome == "cleared"


def test_an_unknown_person_has_nothing_on_file():
    c = clear_one([req(credential="bls")], [], c=case("C-1", "2026-12-03T08:00", tech="t-ghost"))
    assert only_problem(c).detail.startswith("t-ghost has no BLS Provider on file")


def test_a_case_at_an_unconfigured_facility_is_a_clear_error():
    with pytest.raises(NerveCenterError, match="case C-1 names facility 'nowhere', which is not "
                                               "configured: add facilities/nowhere.yaml"):
        clear_one([], [], c=case("C-1", "2026-12-03T08:00", facility="nowhere"))


def test_window_defaults_to_the_horizon_and_can_be_given():
    p = practice(facility(), horizon=30)
    cases = [case("C-past", "2026-11-30T08:00"), case("C-first", "2026-12-01T06:00"),
             case("C-last", "2026-12-31T23:00"), case("C-late", "2027-01-01T08:00")]
    ev = evaluate(p, snapshot([PRICE], [], cases), ON)
    assert [c.case.id for c in ev.clearances] == ["C-first", "C-last"]
    ev = evaluate(p, snapshot([PRICE], [], cases), ON, start=date(2026, 11, 30),
                  end=date(2026, 12, 1))
    assert [c.case.id for c in ev.clearances] == ["C-past", "C-first"]


def test_every_reason_code_is_covered_here():
    import pathlib
    text = pathlib.Path(__file__).read_text() + \
        (pathlib.Path(__file__).parent / "test_rules_schedule.py").read_text()
    for reason in REASONS:
        assert f'"{reason}"' in text, reason


def test_the_same_card_can_clear_at_one_facility_and_block_at_the_next():
    # Tulane asks a plain BLS card, Ochsner one issued within 12 months. Jordan Price's card was
    # issued 2025-06-01: accepted at Ochsner until 2026-06-01, long before either case.
    ochsner = facility(reqs=[req(credential="bls", max_age_months=12)])
    tulane = facility("tulane", "Tulane Medical Center", reqs=[req(credential="bls")])
    cases = [case("C-T", "2026-12-03T08:00", facility="tulane"), case("C-O", "2026-12-04T08:00")]
    ev = evaluate(practice(ochsner, tulane),
                  snapshot([PRICE], [cred("t-price", "bls", "2027-06-30", "2025-06-01")], cases), ON)
    by_id = {c.case.id: c for c in ev.clearances}
    assert by_id["C-T"].outcome == "cleared"
    assert [p.reason for p in by_id["C-O"].problems] == ["too_old"]


def test_procedure_rules_hold_for_each_case_of_one_evaluation():
    # ACLS only for cranial cases: the spine case the same morning does not need it.
    p = practice(facility(reqs=[req(credential="acls", when={"procedure": "cranial"})]))
    cases = [case("C-1", "2026-12-03T08:00", procedure="cranial"),
             case("C-2", "2026-12-03T13:00", procedure="spine")]
    ev = evaluate(p, snapshot([PRICE], [], cases), ON)
    assert [(c.case.id, c.outcome) for c in ev.clearances] == [("C-1", "blocked"), ("C-2", "cleared")]


def test_a_renewed_credential_with_two_versions_counts_as_its_newest():
    # BLS version 1 expired 2026-11-30; version 2, renewed, runs to 2028-11-30. The snapshot
    # lists the new version first, then the old one, then an ACLS card.
    creds = [cred("t-price", "bls", "2028-11-30", "2026-11-15", version=2),
             cred("t-price", "bls", "2026-11-30", "2024-11-15", version=1),
             cred("t-price", "acls", "2027-06-30")]
    p = practice(facility(reqs=[req(credential="bls"), req(credential="acls")]))
    ev = evaluate(p, snapshot([PRICE], creds, [case("C-1", "2026-12-03T08:00")]), ON)
    assert ev.clearances[0].outcome == "cleared"
    # One due date per credential: version 2's expiry, 2028-11-30, and the ACLS card's.
    assert [(d.credential.id, d.credential.version, d.due) for d in ev.due_dates] == [
        ("t-price:acls", 1, date(2027, 6, 30)), ("t-price:bls", 2, date(2028, 11, 30))]


def test_an_unregistered_rule_kind_is_a_clear_error():
    reqs = [req(rule="sleep_hours", params={"min": 8})]
    with pytest.raises(NerveCenterError, match=r"^facility:ochsner: rule kind 'sleep_hours' is not "
                                               r"registered by any plugin; install the plugin "
                                               r"that provides it or remove the rule$"):
        clear_one(reqs, [])


def test_a_rule_kinds_problem_carries_the_requirements_source_and_enforcement():
    # Ravi Adams reads C-1 and C-2 at once; Ochsner allows one at a time but only warns.
    reqs = [req(rule="concurrent_cases", role="reader", params={"max": 1}, enforcement="warn")]
    p = practice(facility(reqs=reqs))
    cases = [case("C-1", "2026-12-03T08:00", reader="r-adams", end="2026-12-03T10:00"),
             case("C-2", "2026-12-03T09:00", tech="t-other", reader="r-adams",
                  end="2026-12-03T11:00")]
    c1 = evaluate(p, snapshot([PRICE, ADAMS], [], cases), ON).clearances[0]
    (problem,) = c1.problems
    assert (c1.outcome, problem.source, problem.enforcement, problem.reason) == (
        "warning", "facility:ochsner", "warn", "limit_exceeded")
    assert problem.detail == ("Ravi Adams would have 2 cases at once during this case (C-1, C-2), "
                              "more than the limit of 1; Ochsner Medical Center warns but allows "
                              "the case.")


def test_grace_that_covers_the_expiry_does_not_hide_that_the_card_is_too_old():
    # CNIM expired 2026-11-30, within its 31 days of accepted grace on 2026-12-03 (grace runs
    # to 2026-12-31); but it was issued 2024-06-01, and 2024-06-01 + 24 months = 2026-06-01.
    p = only_problem(clear_one([req(credential="cnim", accept_grace=True, max_age_months=24)],
                               [cred("t-price", "cnim", "2026-11-30", "2024-06-01")]))
    assert p.reason == "too_old"
    assert p.detail == ("Jordan Price's CNIM was issued on 2024-06-01, more than 24 months before "
                        "this case (accepted until 2026-06-01); Ochsner Medical Center blocks the "
                        "case.")


def test_any_of_names_scoped_alternatives_in_full():
    reqs = [req(any_of=["state_license", "facility_privileges"], role="reader")]
    c = case("C-1", "2026-12-03T08:00", reader="r-adams")
    none = only_problem(clear_one(reqs, [], c))
    assert none.detail == ("Ravi Adams has no Louisiana state licence or Facility privileges at "
                           "Ochsner Medical Center on file; Ochsner Medical Center accepts any "
                           "of them and blocks the case.")
    expired = only_problem(clear_one(reqs, [cred("r-adams", "facility_privileges", "2026-11-30",
                                                 scope="ochsner")], c))
    assert expired.detail == ("Ravi Adams's Facility privileges at Ochsner Medical Center expired "
                              "on 2026-11-30, 3 days before this case, and there is no valid "
                              "Louisiana state licence either; Ochsner Medical Center blocks the "
                              "case.")


def test_any_of_three_lists_every_other_alternative():
    p = only_problem(clear_one([req(any_of=["cnim", "cltm", "d_abnm"])],
                               [cred("t-price", "cnim", "2026-12-02")]))
    assert p.detail == ("Jordan Price's CNIM expired on 2026-12-02, 1 day before this case (its "
                        "late-renewal grace period is not accepted here), and there is no valid "
                        "CLTM or D.ABNM either; Ochsner Medical Center blocks the case.")


def test_explanations_without_an_issue_date_or_an_issuer():
    too_old = only_problem(clear_one([req(credential="bls", max_age_months=12)],
                                     [cred("t-price", "bls", "2027-12-31")]))
    assert too_old.detail == ("Jordan Price's BLS Provider has no issue date on record, and Ochsner "
                              "Medical Center accepts it only within 12 months of issue; Ochsner "
                              "Medical Center blocks the case.")
    issuer = only_problem(clear_one([req(credential="bls", issuers=["AHA", "Red Cross"])],
                                    [cred("t-price", "bls", "2027-12-31")]))
    assert issuer.detail == ("Jordan Price's BLS Provider is from an unrecorded issuer, and Ochsner "
                             "Medical Center accepts only AHA or Red Cross; Ochsner Medical Center "
                             "blocks the case.")
    unverified = only_problem(clear_one([req(credential="cnim", verified=True)],
                                        [cred("t-price", "cnim", "2028-12-31")]))
    assert unverified.detail == ("Jordan Price's CNIM has no primary source verification dated on "
                                 "or after its issue; Ochsner Medical Center blocks the case.")


def test_grace_over_names_the_expiry_and_the_grace():
    # Expired 2026-10-31: 31 days of grace end 2026-12-01, two days before the case.
    p = only_problem(clear_one([req(credential="cnim", accept_grace=True)],
                               [cred("t-price", "cnim", "2026-10-31")]))
    assert p.detail == ("Jordan Price's CNIM expired on 2026-10-31, 33 days before this case, and "
                        "its 31 days of grace are over too; Ochsner Medical Center blocks the case.")


def test_not_yet_valid_the_day_after_the_case():
    p = only_problem(clear_one([req(credential="bls")],
                               [cred("t-price", "bls", "2028-12-31", issued="2026-12-04")]))
    assert p.detail == ("Jordan Price's BLS Provider is only valid from 2026-12-04, 1 day after "
                        "this case; Ochsner Medical Center blocks the case.")


def test_names_the_configuration_does_not_know_are_shown_as_written():
    # Privileges at Touro, which is not a configured facility, and a type no plugin registers.
    reqs = [req(credential="facility_privileges", facility="touro"),
            req(credential="hipaa_training")]
    c = clear_one(reqs, [])
    assert [p.detail for p in c.problems] == [
        ("Jordan Price has no Facility privileges at touro on file; Ochsner Medical Center "
         "requires it and blocks the case."),
        ("Jordan Price has no hipaa_training on file; Ochsner Medical Center requires it and "
         "blocks the case.")]


def test_a_state_scoped_type_named_with_an_acronym_keeps_its_capitals():
    p = only_problem(clear_one([req(credential="dea")], []))
    assert p.detail.startswith("Jordan Price has no Louisiana DEA registration on file;")


def test_inactive_from_the_day_they_left_and_never_a_backup():
    from dataclasses import replace

    moss = person("t-moss", "Dana Moss")
    bls = [cred("t-price", "bls", "2027-11-30"), cred("t-moss", "bls", "2027-11-30")]
    gone = replace(PRICE, left=date(2026, 12, 3))
    c = clear_one([req(credential="bls")], bls, people=(gone, ADAMS, moss))
    p = only_problem(c)
    assert (c.outcome, p.person, p.role, p.type, p.reason, p.source, p.enforcement) == (
        "blocked", "t-price", "technologist", None, "inactive", "practice", "block")
    assert p.detail == "Jordan Price left the practice on 2026-12-03; assign someone else."
    assert c.backups == ("t-moss",)
    # the day before they leave, the case is theirs as before
    before = clear_one([req(credential="bls")], bls, c=case("C-1", "2026-12-02T08:00"),
                       people=(gone, ADAMS, moss))
    assert before.outcome == "cleared"
    # someone who left is never proposed
    unstaffed = clear_one([req(credential="bls")], bls, c=case("C-1", "2026-12-03T08:00", tech=None),
                          people=(gone, ADAMS, moss))
    assert unstaffed.backups == ("t-moss",)


def test_a_rule_kind_that_raises_is_a_rule_error_that_blocks_even_where_rules_only_warn():
    from dataclasses import replace

    from nervecenter.core.model import RuleKind

    def check(requirement, case, person, schedule):
        if person == "t-price":
            raise ZeroDivisionError("division by zero\nin the vendor's code")
        return []

    kind = RuleKind("on_call", "test", {"type": "object"}, check, plugin="oncall",
                    package="nervecenter-oncall")
    p = replace(practice(facility(reqs=[req(rule="on_call", role="any")], enforcement="warn")),
                rule_kinds={"on_call": kind})
    moss = person("t-moss", "Dana Moss")
    ev = evaluate(p, snapshot([PRICE, ADAMS, moss], [], [case("C-1", "2026-12-03T08:00",
                                                               reader="r-adams")]), ON)
    [c] = ev.clearances
    problem = only_problem(c)
    assert (c.outcome, problem.person, problem.type, problem.reason, problem.enforcement) == (
        "blocked", "t-price", "on_call", "rule_error", "block")
    assert problem.detail == (
        "rule kind 'on_call' of plugin 'oncall' (package nervecenter-oncall) failed: "
        "ZeroDivisionError: division by zero in the vendor's code; the case is blocked until "
        "the plugin is fixed or the rule removed.")
    assert c.backups == ("t-moss",)  # r-adams passed; t-moss's check did not raise


def test_excluded_blocks_every_case_from_the_exclusion_date_until_reinstatement():
    from dataclasses import replace

    from nervecenter.core.model import Exclusion

    p = practice(facility(reqs=[req(credential="bls")], enforcement="warn"))
    creds = [cred("t-price", "bls", "2027-11-30", "2025-11-20")]
    cases = [case("C-1", "2026-12-03T08:00"), case("C-2", "2026-12-10T08:00"),
             case("C-3", "2026-12-20T08:00")]
    excluded = Exclusion("t-price", "LEIE", date(2026, 12, 4), date(2026, 12, 15), "1128b4")
    snap = replace(snapshot((PRICE, ADAMS), creds, cases), exclusions=(excluded,))
    by_id = {c.case.id: c for c in evaluate(p, snap, ON).clearances}
    # before the exclusion date and from the reinstatement: cleared; between: blocked, even at
    # a facility that only warns
    assert [by_id[i].outcome for i in ("C-1", "C-2", "C-3")] == ["cleared", "blocked", "cleared"]
    [problem] = by_id["C-2"].problems
    assert (problem.reason, problem.source, problem.type, problem.enforcement) == (
        "excluded", "exclusion:LEIE", "exclusion_screening", "block")
    assert problem.detail == ("Jordan Price is on the OIG exclusion list since 2026-12-04 "
                              "(1128b4); every case is blocked until a reinstatement.")
