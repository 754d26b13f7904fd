"""Due dates: expiry, made earlier by facilities where the holder works; days left and stage."""

from datetime import date

import pytest
from kit.rules import case, cred, facility, person, practice, req, snapshot, state

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
        "days_left": 40, "stage": 60, "status": "active", "cases": []}


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


def due_dates(p, people, creds, cases=(), **window):
    ev = evaluate(p, snapshot(people, creds, cases), ON, **window)
    return {d.credential.id: d for d in ev.due_dates}


def test_several_limits_at_one_facility():
    """Ochsner (where Jordan Price has privileges) asks privileges without limit, BLS within 24
    months of issue, and ACLS both within 24 months and valid 60 days after a case."""
    ochsner = facility(reqs=[req(credential="facility_privileges"),
                             req(credential="bls", max_age_months=24),
                             req(credential="acls", max_age_months=24),
                             req(credential="acls", valid_days_after_case=60)])
    creds = [cred("t-price", "facility_privileges", "2027-06-30", scope="ochsner"),
             cred("t-price", "bls", "2027-01-10", issued="2025-01-10"),
             cred("t-price", "acls", "2027-03-31", issued="2025-01-30")]
    dates = due_dates(practice(ochsner), [PRICE], creds)
    # BLS: 2025-01-10 + 24 months = 2027-01-10, the expiry itself: due on expiry, no reason.
    assert (dates["t-price:bls"].due, dates["t-price:bls"].due_reason) == (date(2027, 1, 10), None)
    # ACLS: 2025-01-30 + 24 months = 2027-01-30; 2027-03-31 - 60 days = 2027-01-30 (31 days of
    # March, 28 of February, 1 of January) too. The first limit written gives the reason.
    acls = dates["t-price:acls"]
    assert (acls.due, acls.due_reason) == (date(2027, 1, 30), "ochsner: max_age_months 24")
    # 2026-12-01 to 2027-01-30: 30 + 30 = 60 days, ACLS's own stage 60.
    assert (acls.days_left, acls.stage) == (60, 60)


def test_revoked_privileges_are_no_place_the_holder_works():
    # BLS issued 2026-01-10: Ochsner (12 months) makes it due 2027-01-10, Tulane (10 months)
    # 2026-11-10; but the Tulane privileges are revoked.
    ochsner = facility(reqs=[req(credential="bls", max_age_months=12)])
    tulane = facility("tulane", "Tulane Medical Center",
                      reqs=[req(credential="bls", max_age_months=10)])
    creds = [cred("t-price", "bls", "2028-01-31", issued="2026-01-10"),
             cred("t-price", "facility_privileges", "2027-06-30", scope="ochsner"),
             cred("t-price", "facility_privileges", "2027-06-30", scope="tulane", status="revoked")]
    bls = due_dates(practice(ochsner, tulane), [PRICE], creds)["t-price:bls"]
    assert (bls.due, bls.due_reason) == (date(2027, 1, 10), "ochsner: max_age_months 12")


def test_someone_missing_from_the_roster_gets_the_limits_of_both_roles():
    # t-gone's credentials are on file but the roster no longer lists them: Ochsner's limits
    # for technologists (BLS, 12 months) and for readers (licence, 30 days) both apply.
    ochsner = facility(reqs=[req(credential="bls", max_age_months=12),
                             req(credential="state_license", role="reader",
                                 valid_days_after_case=30)])
    creds = [cred("t-gone", "facility_privileges", "2027-06-30", scope="ochsner"),
             cred("t-gone", "bls", "2028-01-31", issued="2026-01-10"),
             cred("t-gone", "state_license", "2027-03-31", scope="LA")]
    dates = due_dates(practice(ochsner), [PRICE], creds)
    # 2026-01-10 + 12 months; 2027-03-31 - 30 days.
    assert dates["t-gone:bls"].due == date(2027, 1, 10)
    assert dates["t-gone:state_license:LA"].due == date(2027, 3, 1)


def test_each_state_licence_gets_the_limit_of_its_own_state():
    """Ravi Adams reads a case at Baylor (TX: licence valid 60 days after a case) and one at
    Ochsner (LA: 30 days). Baylor's limit, listed first, does not apply to his LA licence."""
    baylor = facility("baylor", "Baylor Medical Center", state="TX", reqs=[
        req(credential="state_license", role="reader", valid_days_after_case=60)])
    ochsner = facility(reqs=[
        req(credential="state_license", role="reader", valid_days_after_case=30)])
    creds = [cred("r-adams", "state_license", "2027-03-31", scope="TX"),
             cred("r-adams", "state_license", "2027-03-31", scope="LA")]
    cases = [case("C-1", "2026-12-03T08:00", reader="r-adams"),
             case("C-2", "2026-12-04T08:00", reader="r-adams", facility="baylor")]
    dates = due_dates(practice(baylor, ochsner), [PRICE, ADAMS], creds, cases)
    # 2027-03-31 - 60 days = 2027-01-30; - 30 days = 2027-03-01.
    assert (dates["r-adams:state_license:TX"].due, dates["r-adams:state_license:TX"].due_reason) \
        == (date(2027, 1, 30), "baylor: valid_days_after_case 60")
    assert (dates["r-adams:state_license:LA"].due, dates["r-adams:state_license:LA"].due_reason) \
        == (date(2027, 3, 1), "ochsner: valid_days_after_case 30")


def test_due_dates_on_the_same_day_are_listed_by_scope():
    # Both licences expire 2027-02-28; the snapshot lists Texas first.
    creds = [cred("r-adams", "state_license", "2027-02-28", scope="TX"),
             cred("r-adams", "state_license", "2027-02-28", scope="LA")]
    ev = evaluate(practice(facility()), snapshot([ADAMS], creds), ON)
    assert [d.credential.id for d in ev.due_dates] == [
        "r-adams:state_license:LA", "r-adams:state_license:TX"]


def test_due_today_is_stage_0_even_without_a_stage_0():
    # The practice's stages are 30 and 7 only. BLS expiring today has 0 days left: stage 0.
    # Two BLS cards with 19 days left both get stage 30. A type no longer configured takes
    # the practice's stages: 4 days left is stage 7.
    creds = [cred("t-price", "bls", "2026-12-01"), cred("t-lee", "bls", "2026-12-20"),
             cred("t-kim", "bls", "2026-12-20"), cred("t-kim", "hipaa_training", "2026-12-05")]
    dates = due_dates(practice(facility(), stages=(30, 7)), [PRICE], creds)
    assert [(i, d.days_left, d.stage) for i, d in dates.items()] == [
        ("t-kim:hipaa_training", 4, 7), ("t-kim:bls", 19, 30), ("t-lee:bls", 19, 30),
        ("t-price:bls", 0, 0)]


def test_a_case_endangers_a_credential_once_even_if_two_rules_ask_for_it():
    # Louisiana and Ochsner both ask BLS; Jordan Price's expired 2026-11-30: two problems.
    p = practice(facility(reqs=[req(credential="bls")]), states=[state("LA", req(credential="bls"))])
    ev = evaluate(p, snapshot([PRICE], [cred("t-price", "bls", "2026-11-30")],
                              [case("C-1", "2026-12-03T08:00")]), ON)
    assert [pr.source for pr in ev.clearances[0].problems] == ["state:LA", "facility:ochsner"]
    assert ev.due_dates[0].cases == ("C-1",)


@pytest.mark.parametrize("day", ["2026-12-01", "2026-12-31"])
def test_cases_today_and_on_the_last_day_of_the_horizon_count(day):
    # The 30-day horizon from 2026-12-01 runs to 2026-12-31 inclusive. A Tulane case on either
    # end makes Tulane's 10 months count: 2026-01-10 + 10 months = 2026-11-10.
    d = world([case("C-7", f"{day}T08:00", facility="tulane")])["t-price:bls"]
    assert (d.due, d.due_reason, d.cases) == (date(2026, 11, 10), "tulane: max_age_months 10",
                                              ("C-7",))


def test_a_case_today_counts_for_due_dates_when_the_window_shown_is_later():
    ochsner = facility(reqs=[req(credential="bls", max_age_months=12)])
    creds = [cred("t-price", "bls", "2028-01-31", issued="2025-06-01")]
    ev = evaluate(practice(ochsner), snapshot([PRICE], creds, [case("C-0", "2026-12-01T08:00")]),
                  ON, start=date(2026, 12, 5), end=date(2026, 12, 10))
    assert ev.clearances == ()
    # 2025-06-01 + 12 months = 2026-06-01: today's case is endangered.
    (d,) = ev.due_dates
    assert (d.due, d.cases) == (date(2026, 6, 1), ("C-0",))


def test_due_dates_alone_are_those_of_the_whole_evaluation():
    # `status` asks for due dates without clearances: the cases each endangers still come from
    # the clearance of every case of the horizon, but no case is listed and no backup searched.
    ochsner = facility(reqs=[req(credential="bls", max_age_months=12)])
    creds = [cred("t-price", "bls", "2028-01-31", issued="2025-06-01")]
    snap = snapshot([PRICE], creds, [case("C-0", "2026-12-01T08:00"),
                                     case("C-1", "2026-12-20T08:00")])
    whole = evaluate(practice(ochsner), snap, ON)
    alone = evaluate(practice(ochsner), snap, ON, clearances=False, conflicts=False)
    assert [c.case.id for c in whole.clearances] == ["C-0", "C-1"] and alone.clearances == ()
    assert alone.due_dates == whole.due_dates and alone.due_dates[0].cases == ("C-0", "C-1")
    assert alone.ce_shortfalls == whole.ce_shortfalls
