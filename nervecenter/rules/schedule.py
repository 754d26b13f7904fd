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


def case_day(case: Case) -> date:
    """The date of a case, in its facility's time zone (the one its start is written in)."""
    return case.start.date()


class _Seconds:
    """POSIX seconds of aware datetimes, each distinct object converted once. Numbers compare
    several times faster than datetimes of different time zones, and cases share their datetime
    objects (the store parses each distinct text once)."""

    def __init__(self):
        self._known: dict[int, tuple[datetime, float]] = {}

    def __call__(self, moment: datetime) -> float:
        hit = self._known.get(id(moment))
        if hit is not None and hit[0] is moment:  # the object is held, so its id is its own
            return hit[1]
        seconds = moment.timestamp()
        self._known[id(moment)] = (moment, seconds)
        return seconds


class CaseSchedule:
    """Every case of a snapshot, by person (technologist or reader) and by person and day.

    This is the `schedule` argument of a rule kind's `check` (see nervecenter.rules).
    """

    def __init__(self, cases: Iterable[Case]):
        self._given = cases  # ordered() of these very cases is the sort made here
        cases = list(cases)
        self._seconds = _Seconds()
        # case id -> (the case, start, end in POSIX seconds)
        self._moments: dict[str, tuple[Case, float, float]] = {}
        for case in cases:
            self._moments[case.id] = self._moment(case)
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
        moment = self.moment
        self._ordered = sorted(cases, key=lambda c: (moment(c)[0], c.id))
        for case in self._ordered:
            tech, reader = case.technologist, case.reader
            if tech:
                by_person[tech].append(case)
            if reader and reader != tech:
                by_person[reader].append(case)
        self._cases: dict[str, list[Case]] = dict(by_person)
        self._starts: dict[str, list[float]] = {}
        self._ends: dict[str, list[float]] = {}
        self._longest: dict[str, float] = {}
        moments = self._moments
        for person, theirs in by_person.items():
            self._starts[person] = starts = [moments[c.id][1] for c in theirs]
            self._ends[person] = ends = [moments[c.id][2] for c in theirs]
            self._longest[person] = max(map(operator.sub, ends, starts))

    def _moment(self, case: Case) -> tuple[Case, float, float]:
        return case, self._seconds(case.start), self._seconds(case_end(case))

    def moment(self, case: Case) -> tuple[float, float]:
        """A case's start and end as POSIX seconds."""
        found = self._moments.get(case.id)
        if found is None or found[0] is not case:  # not one of the schedule's own
            found = self._moment(case)
        return found[1], found[2]

    def ordered(self, cases: Iterable[Case]) -> list[Case]:
        """Cases by start (the moment, whatever the zone), then id."""
        if cases is self._given:
            return list(self._ordered)
        moment = self.moment
        return sorted(cases, key=lambda c: (moment(c)[0], c.id))

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
        start, end = self.moment(case)
        starts, ends, case_id = self._starts[person], self._ends[person], case.id
        return [theirs[i] for i in range(bisect_right(starts, start - self._longest[person]),
                                         bisect_left(starts, end))
                if ends[i] > start and theirs[i].id != case_id]

    def busy(self, person: str, case: Case) -> bool:
        """True when the person has another case overlapping `case`."""
        theirs = self._cases.get(person)
        if not theirs:
            return False
        start, end = self.moment(case)
        starts, ends, case_id = self._starts[person], self._ends[person], case.id
        for i in range(bisect_right(starts, start - self._longest[person]),
                       bisect_left(starts, end)):
            if ends[i] > start and theirs[i].id != case_id:
                return True
        return False
