"""What an id may be, and what text from outside may not hold: checked where rows enter."""

from __future__ import annotations

import re

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")  # the one rule for ids, from any source
# Unicode's control characters (category Cc: U+0000-001F, U+007F-009F) but tab and line breaks,
# and the bidirectional overrides: one search instead of a category lookup per character.
_OBEYED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def check_id(text: str) -> str:
    """`text` when it is an id: ASCII letters, digits, `-`, `_`, `.`, starting with a letter or
    digit (no path separators, invisible or look-alike characters, nothing a terminal obeys)."""
    if not ID.fullmatch(text):
        raise ValueError(f"{text!r} is not an id; use letters, digits, -, _ and . (like t-price)")
    return text


def control_character(text: str) -> str | None:
    """The first character of `text` a terminal or a page would obey rather than show: control
    characters (but tab and line breaks) and bidirectional overrides; None when there is none."""
    if text.isprintable():  # every obeyed character is of category Cc or Cf: not printable
        return None
    found = _OBEYED.search(text)
    return f"U+{ord(found.group()):04X}" if found else None
