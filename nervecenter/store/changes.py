"""What an import did (or would do), counted without the Store: a sync that finds nothing
changed says so without importing SQLAlchemy (service/workspace.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nervecenter.core.errors import FileProblem


@dataclass
class Changes:
    """What an apply did (or would do): counts by kind and action, and one line per change."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)  # what the files got nearly wrong

    def count(self, kind: str, action: str, n: int = 1) -> None:
        by = self.counts.setdefault(kind, {"added": 0, "changed": 0, "unchanged": 0, "removed": 0})
        by[action] = by.get(action, 0) + n  # people also count "left"

    @property
    def total(self) -> int:
        return sum(v["added"] + v["changed"] + v["removed"] + v.get("left", 0)
                   for v in self.counts.values())
