"""The one place that reads the wall clock: today in the practice's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow(on: date | None = None) -> datetime:
    """Now, as an aware datetime in UTC (what the database and the outbox record); with `on`
    (the `--on` option), the start of that day, so that a replayed day stamps what it writes
    (a calendar's DTSTAMP) the same way every time."""
    if on is not None:
        return datetime(on.year, on.month, on.day, tzinfo=UTC)
    return datetime.now(UTC)


def now(timezone: str) -> datetime:
    return datetime.now(ZoneInfo(timezone))


def today(timezone: str, on: date | None = None) -> date:
    """`on` when given (the `--on` option), else today's date in `timezone`."""
    return on if on is not None else now(timezone).date()
