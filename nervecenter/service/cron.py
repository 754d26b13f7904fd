"""Cron schedules in the practice's time zone, correct across daylight-saving changes.

croniter walks the wall clock (naive local times); each wall time is then placed in the zone:
a time that does not exist (spring forward, e.g. 02:30) fires at the first instant after the
gap, as cron does; a time that happens twice (fall back, e.g. 01:30) fires once, the first time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from nervecenter.core.errors import ConfigError, FileProblem


def check(expr: str) -> str | None:
    """What is wrong with a cron expression, or None."""
    if not croniter.is_valid(expr):
        return (f"{expr!r} is not a cron expression; use five fields: minute hour day month "
                "weekday, e.g. \"0 6 * * *\"")
    return None


def _place(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time names in `tz`; in a spring-forward gap, the gap's end."""
    first = wall.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # Nonexistent: fold=1 reads it with the old offset (an instant before the gap), fold=0 with
    # the new one (after it). Walk minute by minute to the first instant with the new offset.
    probe = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    new_offset = first.astimezone(UTC).astimezone(tz).utcoffset()
    while probe.astimezone(tz).utcoffset() != new_offset:
        probe += timedelta(minutes=1)
    return probe.astimezone(tz)


def next_tick(expr: str, tz: ZoneInfo | str, after: datetime) -> datetime:
    """The first tick of `expr` strictly after the aware instant `after`, aware in `tz`."""
    if problem := check(expr):
        raise ConfigError([FileProblem("practice.yaml", 0, f"schedule: {problem}")])
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = after.astimezone(tz)
    # Start an hour early on the wall clock so a fall-back repeat hour is not skipped.
    it = croniter(expr, local.replace(tzinfo=None) - timedelta(hours=2))
    while True:
        wall = it.get_next(datetime)
        when = _place(wall, tz)
        if when > after:
            return when
