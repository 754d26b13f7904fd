"""Calendar arithmetic of core/dates.py: hand-worked examples and hypothesis properties."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecenter.core.dates import (
    EXPIRY_RULES,
    SEASON_START,
    add_months,
    derive_expiry,
    end_of_month,
    season_end,
)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
months = st.integers(min_value=0, max_value=240)
positive_months = st.integers(min_value=1, max_value=240)
MONTH_RULES = tuple(r for r in EXPIRY_RULES if r not in ("season", "never"))  # count months
rules = st.sampled_from(MONTH_RULES)
boundaries = st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)).map(
    lambda d: d.strftime("%m-%d"))


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_length(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


@pytest.mark.parametrize("day, n, expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),   # leap February
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 3, 31), 1, date(2024, 4, 30)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2025, 11, 15), 2, date(2026, 1, 15)),  # across the year
    (date(2026, 3, 31), -1, date(2026, 2, 28)),  # backwards clamps too
])
def test_add_months_examples(day, n, expected):
    assert add_months(day, n) == expected


@pytest.mark.parametrize("issued, n, rule, expected", [
    (date(2024, 3, 15), 24, "exact", date(2026, 3, 14)),         # docs/configuration.md's example
    (date(2024, 2, 29), 12, "exact", date(2025, 2, 28)),         # no Feb 29 in 2025
    (date(2025, 1, 31), 1, "exact", date(2025, 2, 28)),
    (date(2026, 3, 1), 1, "exact", date(2026, 3, 31)),
    (date(2025, 12, 15), 24, "end_of_month", date(2027, 12, 31)),  # AHA card
    (date(2024, 11, 8), 24, "end_of_month", date(2026, 11, 30)),
    (date(2026, 2, 9), 24, "end_of_month", date(2028, 2, 29)),
    (date(2021, 9, 30), 60, "end_of_year", date(2026, 12, 31)),    # ABRET
    (date(2023, 1, 1), 60, "end_of_year", date(2028, 12, 31)),
])
def test_derive_expiry_examples(issued, n, rule, expected):
    assert derive_expiry(issued, n, rule) == expected


def test_unknown_rule_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="exact, end_of_month, end_of_year"):
        derive_expiry(date(2026, 1, 1), 12, "end_of_week")


@given(days, st.integers(min_value=-240, max_value=240))
def test_add_months_lands_in_the_right_month_on_the_clamped_day(day, n):
    result = add_months(day, n)
    assert month_index(result) == month_index(day) + n
    assert result.day == min(day.day, month_length(result))


@given(days)
def test_add_zero_months_is_identity(day):
    assert add_months(day, 0) == day


@given(days, months, months)
def test_add_months_composes_when_no_clamping_happens(day, a, b):
    day = day.replace(day=min(day.day, 28))
    assert add_months(add_months(day, a), b) == add_months(day, a + b)


@given(days, days, months)
def test_add_months_keeps_order(d1, d2, n):
    lo, hi = sorted((d1, d2))
    assert add_months(lo, n) <= add_months(hi, n)


@given(days, positive_months, rules)
def test_expiry_is_after_issue_and_within_the_validity(issued, n, rule):
    expires = derive_expiry(issued, n, rule)
    assert expires >= issued
    anniversary = add_months(issued, n)
    if rule == "exact":
        assert expires < anniversary or expires == end_of_month(anniversary)
    else:
        assert expires >= anniversary - timedelta(days=1)


@given(days, positive_months)
def test_exact_expiry_is_the_day_before_the_anniversary_or_the_month_end(issued, n):
    expires = derive_expiry(issued, n, "exact")
    target_month = month_index(issued) + n
    following = expires + timedelta(days=1)
    if issued.day <= calendar.monthrange(target_month // 12, target_month % 12 + 1)[1]:
        assert following.day == issued.day and month_index(following) == target_month
    else:
        assert month_index(expires) == target_month and expires == end_of_month(expires)


@given(days, positive_months)
def test_end_of_month_expiry_is_a_month_end_n_months_on(issued, n):
    expires = derive_expiry(issued, n, "end_of_month")
    assert expires == end_of_month(expires)
    assert month_index(expires) == month_index(issued) + n


@given(days, positive_months)
def test_end_of_year_expiry_is_december_31_of_the_anniversary_year(issued, n):
    expires = derive_expiry(issued, n, "end_of_year")
    assert (expires.month, expires.day) == (12, 31)
    assert expires.year == (month_index(issued) + n) // 12


@given(days, days, positive_months, rules)
def test_a_later_issue_never_expires_earlier(d1, d2, n, rule):
    lo, hi = sorted((d1, d2))
    assert derive_expiry(lo, n, rule) <= derive_expiry(hi, n, rule)


@given(days, positive_months, positive_months, rules)
def test_a_longer_validity_never_expires_earlier(issued, a, b, rule):
    short, long_ = sorted((a, b))
    assert derive_expiry(issued, short, rule) <= derive_expiry(issued, long_, rule)


# ---------------------------------------------------------------- seasons


@pytest.mark.parametrize("issued, expected", [
    (date(2026, 11, 5), date(2027, 6, 30)),   # the issue's example: not into the 2027-28 season
    (date(2026, 7, 1), date(2027, 6, 30)),    # the first day of a season
    (date(2026, 6, 30), date(2026, 6, 30)),   # the last day of one: valid that day only
    (date(2027, 2, 28), date(2027, 6, 30)),
])
def test_a_season_ends_the_day_before_the_next_boundary(issued, expected):
    assert derive_expiry(issued, None, "season") == expected
    assert derive_expiry(issued, 12, "season", SEASON_START) == expected  # months do not count


def test_the_season_boundary_is_configurable():
    assert derive_expiry(date(2026, 11, 5), None, "season", "10-01") == date(2027, 9, 30)
    assert derive_expiry(date(2026, 9, 30), None, "season", "10-01") == date(2026, 9, 30)


@given(days, boundaries)
def test_a_season_holds_its_day_and_lasts_at_most_a_year(issued, boundary):
    expires = season_end(issued, boundary)
    assert issued <= expires < add_months(issued, 12) + timedelta(days=1)
    nxt = expires + timedelta(days=1)
    assert nxt.strftime("%m-%d") == boundary or (boundary == "02-29" and nxt.month == 2)


def test_what_is_given_once_never_expires():
    assert derive_expiry(date(1998, 5, 4), None, "never") == date(9999, 12, 31)
