"""Calendar arithmetic for credentials: months that clamp, and expiry derivation.

This is the one place that knows how an issue date becomes an expiry date.
"""

from __future__ import annotations

import calendar
from datetime import date

EXPIRY_RULES = ("exact", "end_of_month", "end_of_year", "season", "never")
NEVER = date(9999, 12, 31)  # the expiry of what is given once (an immunity on file)
SEASON_START = "07-01"  # the default season boundary (MM-DD) of the `season` rule


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months; the 31st clamps to the target month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def derive_expiry(issued: date, validity_months: int | None, rule: str,
                  season_start: str | None = None) -> date:
    """The last valid day of a credential issued on `issued`.

    `exact`: the day before the same date `validity_months` later (issued 2024-03-15 for 24
    months is valid through 2026-03-14); when that month has no such day (issued on the 31st, or
    on February 29) through the end of that month (2024-02-29 for 12 months: 2025-02-28);
    `end_of_month`: through the end of the month
    `validity_months` after issue (AHA cards); `end_of_year`: through December 31 of the year
    `validity_months` after issue (ABRET); `season`: through the day before the first season
    boundary (`season_start`, MM-DD) after issue, whatever `validity_months` says (a November
    2026 influenza shot is valid through 2027-06-30 with the default July 1 boundary); `never`:
    given once, valid through 9999-12-31 (an immunity on file).
    """
    if rule not in EXPIRY_RULES:
        raise ValueError(f"unknown expiry rule {rule!r}; use one of {', '.join(EXPIRY_RULES)}")
    if rule == "season":
        return season_end(issued, season_start or SEASON_START)
    if rule == "never":
        return NEVER
    if validity_months is None:
        raise ValueError(f"the {rule!r} expiry rule needs validity_months")
    target = add_months(issued, validity_months)
    if rule == "end_of_month":
        return end_of_month(target)
    if rule == "end_of_year":
        return date(target.year, 12, 31)
    if target.day < issued.day:  # clamped: the same date does not exist that month
        return target
    return date.fromordinal(target.toordinal() - 1)


def season_end(day: date, season_start: str) -> date:
    """The last day of the season (starting each year on `season_start`, MM-DD) holding `day`."""
    month, dom = (int(x) for x in season_start.split("-"))

    def start(year: int) -> date:  # a boundary of 02-29 (or 04-31) clamps to the month's end
        return date(year, month, min(dom, calendar.monthrange(year, month)[1]))

    year = day.year if day >= start(day.year) else day.year - 1
    return date.fromordinal(start(year + 1).toordinal() - 1)
