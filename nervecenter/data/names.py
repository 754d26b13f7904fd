"""Credential types by the names people write: an id, a display name or an alias, ignoring
letter case, spaces, dots, hyphens and underscores (`CNIM`, `D.ABNM`, `BLS Provider`, `bls`)."""

from __future__ import annotations

import difflib
import re

from nervecenter.core.model import CredentialType

_IGNORED = re.compile(r"[\s._\-]+")


def normalize(word: str) -> str:
    return _IGNORED.sub("", word).lower()


class TypeNames:
    """Finds a type id by any of its names; suggests the closest when none matches."""

    def __init__(self, types: dict[str, CredentialType]):
        self.types = types
        self._by_name: dict[str, str] = {}
        for t in types.values():  # ids first: an alias never hides another type's id
            self._by_name.setdefault(normalize(t.id), t.id)
        for t in types.values():
            for name in (t.name, *t.aliases):
                self._by_name.setdefault(normalize(name), t.id)

    def find(self, word: str) -> str | None:
        """The type id `word` names, or None."""
        return self._by_name.get(normalize(word))

    def suggestion(self, word: str) -> str:
        """` (did you mean 'acls', ACLS Provider?)`, comparing ids, names and aliases; or ''."""
        key = normalize(word)
        # two letters swapped (alcs, cmin) first: difflib alone ranks `pals` as near as `acls`
        swapped = [k for k in self._by_name if sorted(k) == sorted(key)]
        close = swapped or difflib.get_close_matches(key, list(self._by_name), n=1, cutoff=0.5)
        if not close:
            return ""
        t = self.types[self._by_name[close[0]]]
        return f" (did you mean {t.id!r}, {t.name}?)"
