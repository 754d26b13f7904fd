"""Bounds on what enters from outside, checked where it enters so that nothing downstream can
overflow or exhaust memory: dates, case lengths, input sizes, YAML aliases and nesting.

Each check raises ValueError with the sentence a user reads after `file:line: column:`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

FIRST_YEAR, LAST_YEAR = 1900, 2200  # far enough for any credential; far from datetime's edges
MAX_CASE_HOURS = 24
MAX_INPUT_BYTES = 50 * 1024 * 1024  # one roster or schedule file (NERVECENTER_MAX_INPUT_MB)
MAX_YAML_ALIASES = 1000  # alias references per YAML document
MAX_YAML_DEPTH = 64  # nesting of mappings and sequences
MAX_XLSX_BYTES = 200 * 1024 * 1024  # the uncompressed parts of one workbook


def check_date(day: date, text: object = None) -> date:
    """`day`, when its year is within FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        shown = text if text is not None else day.isoformat()
        raise ValueError(f"{shown!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}; give the real "
                         "date (leave an open end empty rather than writing a far-off date)")
    return day


def check_moment(moment: datetime, text: object = None) -> datetime:
    check_date(moment.date(), text if text is not None else moment.isoformat())
    return moment


def check_case_length(start: datetime, end: datetime, hours: int = MAX_CASE_HOURS) -> None:
    if end - start > timedelta(hours=hours):
        raise ValueError(f"{end.isoformat()} is more than {hours} hours after the start; give the "
                         "case's real end (or leave it empty)")


def max_input_bytes() -> int:
    """The size cap of one input file: NERVECENTER_MAX_INPUT_MB, else MAX_INPUT_BYTES."""
    import os

    raw = os.environ.get("NERVECENTER_MAX_INPUT_MB", "")
    return int(float(raw) * 1024 * 1024) if raw.strip().replace(".", "", 1).isdigit() \
        else MAX_INPUT_BYTES
