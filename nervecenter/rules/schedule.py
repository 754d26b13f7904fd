"""The cases of an evaluation indexed by person and by day.

Clearance, backups and rule kinds ask it "what else is this person doing then?" without scanning
the whole schedule: each person's cases are kept sorted by start, and overlaps are found by
bisection.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from nervecenter.core.model import DEFAULT_CASE_HOURS, Case

DEFAULT_DURATION = timedelta(hours=DEFAULT_CASE_HOURS)


def case_end(case: Case) -> datetime:
    """When a case ends: its `end`, or DEFAULT_CASE_HOURS after its start."""
    return case.end if case.end is not None and case.end > case.start else case.start + DEFAULT_DURATION


def _start_and_id(case: Case) -> tuple[datetime, str]:
    return case.start, case.id


def case_day(case: Case) -> date:
    """The date of a case, in its facility's time zone (the one its start is written in)."""
    return case.start.date()


class CaseSchedule:
    """Every case of a snapshot, by person (technologist or reader) and by person and day.

    This is the `schedule` argument of a rule kind's `check` (see nervecenter.rules).
    """

    def __init__(self, cases: Iterable[Case]):
        cases = list(cases)
        self._by_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for case in cases:
            tech, reader = case.technologist, case.reader
            if not tech and not reader:
                continue
            on_day = self._by_day[case.start.date()]
            if tech:
                on_day[tech] += 1
            if reader and reader != tech:
                on_day[reader] += 1
        # Sorted once, so that each person's list comes out in order.
        by_person: dict[str, list[Case]] = defaultdict(list)
        for case in sorted(cases, key=_start_and_id):
            tech, reader = case.technologist, case.reader
            if tech:
                by_person[tech].append(case)
            if reader and reader != tech:
                by_person[reader].append(case)
        self._cases: dict[str, list[Case]] = dict(by_person)
        self._starts: dict[str, list[datetime]] = {}
        self._ends: dict[str, list[datetime]] = {}
        self._longest: dict[str, timedelta] = {}
        for person, theirs in by_person.items():
            self._starts[person] = starts = [c.start for c in theirs]
            self._ends[person] = ends = [case_end(c) for c in theirs]
            self._longest[person] = max(map(operator.sub, ends, starts))

    def cases_of(self, person: str) -> list[Case]:
        """The person's cases (as technologist or reader), by start."""
        return self._cases.get(person, [])

    def count_on(self, person: str, day: date) -> int:
        """How many cases the person has on a day."""
        return self.people_on(day).get(person, 0)

    def people_on(self, day: date) -> dict[str, int]:
        """Everyone with a case on a day, with how many they have."""
        return self._by_day.get(day, {})

    def overlapping(self, person: str, case: Case) -> list[Case]:
        """The person's other cases that share a moment with `case`."""
        theirs = self._cases.get(person)
        if not theirs:
            return []
        starts, ends = self._starts[person], self._ends[person]
        start, case_id = case.start, case.id
        out = []
        for i in range(bisect_right(starts, start - self._longest[person]),
                       bisect_left(starts, case_end(case))):
            if ends[i] > start:
                other = theirs[i]
                if other.id != case_id:
                    out.append(other)
        return out

    def busy(self, person: str, case: Case) -> bool:
        """True when the person has another case overlapping `case`."""
        theirs = self._cases.get(person)
        if not theirs:
            return False
        starts, ends = self._starts[person], self._ends[person]
        start, case_id = case.start, case.id
        for i in range(bisect_right(starts, start - self._longest[person]),
                       bisect_left(starts, case_end(case))):
            if ends[i] > start and theirs[i].id != case_id:
                return True
        return False
