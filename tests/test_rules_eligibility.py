"""Who could work at a facility this week: each person tried on a case there, in their own role."""

from datetime import date

from kit.rules import cred, facility, person, practice, req, snapshot

from nervecenter.rules.eligibility import cleared_at

ON = date(2026, 12, 1)
DAYS = [date(2026, 12, 1), date(2026, 12, 7)]  # the first and the last day of the week


def test_cleared_on_every_day_in_their_own_role():
    """Ochsner asks technologists for BLS within 12 months of issue and readers for a Louisiana
    licence (Louisiana, from the facility's state)."""
    p = practice(facility(reqs=[req(credential="bls", max_age_months=12),
                                req(credential="state_license", role="reader")]))
    people = [person("t-price", "Jordan Price"), person("t-lee", "Bo Lee"),
              person("t-old", "Al Old"), person("r-adams", "Ravi Adams", "reader"),
              person("r-kim", "Ada Kim", "reader")]
    creds = [
        cred("t-price", "bls", "2028-01-31", issued="2026-01-10"),  # until 2027-01-10: both days
        cred("t-lee", "bls", "2026-12-05"),                         # expires before 12-07
        cred("t-old", "bls", "2028-01-31", issued="2025-12-04"),    # until 2026-12-04 only
        cred("r-adams", "state_license", "2028-01-01", scope="LA"),
        cred("r-kim", "state_license", "2028-01-01", scope="TX"),   # the wrong state
        cred("t-lee", "state_license", "2028-01-01", scope="LA"),   # not asked of technologists
    ]
    snap = snapshot(people, creds)
    assert cleared_at(p, snap, "ochsner", DAYS, people, ON) == {"t-price", "r-adams"}
    # Only the people asked about are tried.
    assert cleared_at(p, snap, "ochsner", DAYS, people[3:], ON) == {"r-adams"}


def test_a_reader_is_tried_without_the_technologists_requirements():
    # Ochsner asks technologists for BLS; a reader needs nothing: cleared without any card.
    p = practice(facility(reqs=[req(credential="bls")]))
    adams = person("r-adams", "Ravi Adams", "reader")
    assert cleared_at(p, snapshot([adams], []), "ochsner", DAYS, [adams], ON) == {"r-adams"}


def test_any_week_can_be_asked_about_before_today_or_past_the_horizon():
    """Evaluated on 2026-12-01 (its horizon ends 2026-12-31). Jordan Price's BLS runs from
    2026-11-22 to 2027-01-22."""
    p = practice(facility(reqs=[req(credential="bls")]))
    price = person("t-price", "Jordan Price")
    snap = snapshot([price], [cred("t-price", "bls", "2027-01-22", issued="2026-11-22")])

    def cleared(first, last):
        return cleared_at(p, snap, "ochsner", [first, last], [price], ON)
    assert cleared(date(2026, 11, 22), date(2026, 11, 28)) == {"t-price"}
    assert cleared(date(2026, 11, 20), date(2026, 11, 26)) == set()  # not yet issued on 11-20
    assert cleared(date(2027, 1, 16), date(2027, 1, 22)) == {"t-price"}
    assert cleared(date(2027, 1, 20), date(2027, 1, 26)) == set()  # expired by 01-26
