"""Bounds on what enters from outside, checked where it enters so that nothing downstream can
overflow or exhaust memory: dates, case lengths, input sizes, YAML aliases and nesting.

Each check raises ValueError with the sentence a user reads after `file:line: column:`.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from nervecenter.core.errors import ConfigError, FileProblem, NerveCenterError

FIRST_YEAR, LAST_YEAR = 1900, 2200  # far enough for any credential; far from datetime's edges
MAX_CASE_HOURS = 24
MB = 1024 * 1024
MAX_INPUT_BYTES = 50 * MB  # one input file, unless raised: see max_input_bytes
INPUT_ENV = "NERVECENTER_MAX_INPUT_MB"
MAX_YAML_EXPANSION = 100_000  # nodes that aliases may add to a YAML document, expanded
MAX_YAML_DEPTH = 64  # nesting of mappings and sequences, aliases expanded
XLSX_UNPACKED = 4  # a workbook's parts together unpack to at most 4x the input limit
XLSX_RATIO = 100  # and each part to 100x its packed size (sheets pack ~10x; whitespace ~1000x)


def check_date(day: date, text: object = None) -> date:
    """`day`, when its year is within FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        shown = text if text is not None else day.isoformat()
        raise ValueError(f"{shown!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}; give the real "
                         "date (leave an open end empty rather than writing a far-off date)")
    return day


def clamp(day: date) -> date:
    """`day` moved into FIRST_YEAR..LAST_YEAR (for ranges that only look up what is inside)."""
    return min(max(day, date(FIRST_YEAR, 1, 1)), date(LAST_YEAR, 12, 31))


def check_moment(moment: datetime, text: object = None) -> datetime:
    check_date(moment.date(), text if text is not None else moment.isoformat())
    return moment


def check_case_length(start: datetime, end: datetime, hours: int = MAX_CASE_HOURS) -> None:
    if end - start > timedelta(hours=hours):
        raise ValueError(f"{end.isoformat()} is more than {hours} hours after the start; give the "
                         "case's real end (or leave it empty)")


def max_input_bytes(configured_mb: float | None = None) -> int:
    """The size limit of one input file: $NERVECENTER_MAX_INPUT_MB (for one run), else
    practice.yaml's `limits: {max_input_mb: N}` (given here), else MAX_INPUT_BYTES."""
    raw = os.environ.get(INPUT_ENV, "").strip()
    try:
        mb = float(raw) if raw else configured_mb
    except ValueError:
        mb = None
    if raw and not (mb and 0 < mb < 1e6):
        raise NerveCenterError(f"{INPUT_ENV}={raw!r} is not a number of megabytes; "
                               f"e.g. {INPUT_ENV}=200")
    return int(mb * MB) if mb else MAX_INPUT_BYTES


def check_size(size: int, limit: int) -> None:
    """TooLarge (line 0) when `size` bytes are over `limit`: the sentence says how to raise it."""
    if size > limit:
        more = -(-size // MB) + 1
        shown = f"{size / MB:,.1f} MB" if size >= MB else f"{size / 1024:,.0f} kB"
        raise TooLarge(0, f"is {shown}, over the {round(limit / MB, 3):g} MB limit on input files; "
                       f"split it, or raise the limit with `limits: {{max_input_mb: {more}}}` in "
                       f"practice.yaml (or {INPUT_ENV}={more} for one run)")


def check_input_size(path, limit: int) -> None:
    """ConfigError naming `path` over `limit` bytes (`Practice.max_input`), for plugins too."""
    try:
        check_size(os.stat(path).st_size, limit)
    except TooLarge as e:
        raise ConfigError([FileProblem(str(path), 0, str(e))]) from None


class TooLarge(ValueError):
    """A limit was passed; `line` is where (0: the whole file)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def check_yaml_nodes(root) -> None:
    """TooLarge when a composed YAML document, its aliases expanded, nests deeper than
    MAX_YAML_DEPTH or grows by more than MAX_YAML_EXPANSION nodes (an alias bomb: `*a9`, nine
    levels of nine, is 387 million nodes). Works on the node graph, iteratively, without
    expanding anything: each node's expanded size and height are computed once."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_ = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if not done:
            if key in size:
                continue
            if key in open_:
                raise TooLarge(node.start_mark.line + 1, "an alias refers to the mapping or list "
                               "that contains it; remove the recursion")
            open_.add(key)
            stack.append((node, True))
            stack.extend((kid, False) for kid in kids if id(kid) not in size)
            continue
        open_.discard(key)
        size[key] = 1 + sum(size[id(kid)] for kid in kids)
        height[key] = 1 + max((height[id(kid)] for kid in kids), default=0)
        if height[key] > MAX_YAML_DEPTH:
            raise TooLarge(node.start_mark.line + 1, f"nested more than {MAX_YAML_DEPTH} levels "
                           "deep (aliases expanded); flatten it")
        if size[key] > len(size) + MAX_YAML_EXPANSION:
            raise TooLarge(node.start_mark.line + 1, f"its aliases expand to {size[key]:,} values "
                           f"(at most {MAX_YAML_EXPANSION:,} more than written); write the values "
                           "out instead of nesting aliases")


def check_yaml_depth(root, most: int = MAX_YAML_DEPTH) -> None:
    """TooLarge when a YAML node tree that holds no alias nests deeper than `most`: the depth
    alone, a level at a time, scalars (text values) without a call (check_yaml_nodes does more)."""
    level, depth = [root] if root is not None else [], 0
    while level:
        depth += 1
        if depth > most:
            raise TooLarge(level[0].start_mark.line + 1, f"nested more than {most} levels deep")
        level = [kid for node in level if node.value.__class__ is list for kid in _children(node)]


def _children(node) -> list:
    value = node.value
    if isinstance(value, list):
        return [part for item in value for part in (item if isinstance(item, tuple) else (item,))]
    return []
