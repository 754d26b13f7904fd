"""Due dates: the last day each credential is good for the places its holder works (docs/alerts.md).

A credential is due on its expiry, or earlier where a facility the holder works at (privileges
there, or a case there within the horizon) has a requirement for its type and the holder's role
with `max_age_months` (due on issued + M months) or `valid_days_after_case` (due N days before
expiry). `when` conditions are not considered: a facility may book any kind of case.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from nervecenter.core.dates import add_months
from nervecenter.core.model import Case, Credential
from nervecenter.rules.clearance import Context
from nervecenter.rules.results import DueDate, Problem, new_due_date

# One facility's constraint on a (type, role): (max_age_months, valid_days, scope key, label source)
Limit = tuple[int | None, int, str | None, str]


def stage_for(days_left: int, stages: Iterable[int]) -> int | None:
    """The smallest stage s with days_left <= s; 0 once lapsed; None when beyond every stage.

    The one stage rule: DueDates.compute gives every DueDate its stage with it, and alerts plan
    from DueDate.stage."""
    if days_left <= 0:
        return 0
    return next((s for s in sorted(stages) if days_left <= s), None)


_FIRST_THREE = operator.itemgetter(0, 1, 2)
_UNKNOWN = object()


def _label(source: str) -> str:
    kind, _, key = source.partition(":")
    return key if kind == "facility" else f"state {key}"


class DueDates:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._limits: dict[str, dict[tuple[str, str], list[Limit]]] = {}

    def limits(self, facility_id: str) -> dict[tuple[str, str], list[Limit]]:
        """(type, role) -> the constraints the facility (and its state) put on its due date."""
        found = self._limits.get(facility_id)
        if found is None:
            found = {}
            for rule in self.ctx.rulebook.rules(facility_id):
                req = rule.req
                if req.max_age_months is None and not req.valid_days_after_case:
                    continue
                label = _label(req.source)
                for type_id, scope in rule.keys:  # scope is None for a person-scoped type
                    for role in rule.roles:
                        found.setdefault((type_id, role), []).append(
                            (req.max_age_months, req.valid_days_after_case, scope, label))
            self._limits[facility_id] = found
        return found

    def compute(self, on: date, horizon_cases: list[Case],
                problems: list[tuple[str, Problem]]) -> tuple[DueDate, ...]:
        """A DueDate for every credential in the snapshot, by person, due date and id."""
        ctx = self.ctx
        facility_types = {t for t, ct in ctx.practice.credential_types.items()
                          if ct.scope == "facility"}
        works_at: dict[str, set[str]] = defaultdict(set)
        for person, held in ctx.index.held.items():
            for (type_id, scope), cred in held.items():
                if type_id in facility_types and cred.status != "revoked" \
                        and scope in ctx.practice.facilities:
                    works_at[person].add(scope)
        for case in horizon_cases:
            for person in (case.technologist, case.reader):
                if person:
                    works_at[person].add(case.facility)
        endangered: dict[str, list[str]] = defaultdict(list)
        for case_id, p in problems:
            if p.credential and case_id not in endangered[p.credential]:
                endangered[p.credential].append(case_id)
        troubled: dict[str, set[str]] = {}  # person -> the types of their endangering problems
        for _, p in problems:
            if p.credential:
                troubled.setdefault(p.person, set()).add(p.type)
        today = on.toordinal()
        # days left -> stage, per type: the same few hundred numbers for 61,000 credentials
        stage_of: dict[str, dict[int, int | None]] = {}
        practice = ctx.practice
        due_date, people, held_all = new_due_date, ctx.people, ctx.index.held
        out = []
        for person in sorted(held_all):
            who = people.get(person)
            if who is not None and who.gone(on):
                continue  # no due dates, so no alerts, for someone who left
            limits = self._person_limits(person, works_at.get(person, ()))
            dues = troubled.get(person)  # only these types' credential ids are looked up
            mine = []
            for cred in held_all[person].values():
                type_id = cred.type
                found = limits.get(type_id) if limits else None
                due, reason = self._due(cred, found) if found else (cred.expires, None)
                days_left = due.toordinal() - today
                stages = stage_of.get(type_id)
                if stages is None:
                    stages = stage_of[type_id] = {}
                stage = stages.get(days_left, _UNKNOWN)
                if stage is _UNKNOWN:
                    stage = stages[days_left] = stage_for(
                        days_left, practice.stages_for(type_id))
                cases = ()
                if dues is not None and type_id in dues:
                    cid = cred.id
                    if cid in endangered:
                        cases = tuple(endangered[cid])
                mine.append((due, type_id, cred.scope or "",
                             due_date(cred, due, reason, days_left, stage, cases)))
            mine.sort(key=_FIRST_THREE)
            out += [m[3] for m in mine]
        return tuple(out)

    def _person_limits(self, person_id: str, facilities) -> dict[str, list[Limit]]:
        """type -> every limit the person's facilities put on it, for the person's role."""
        person = self.ctx.people.get(person_id)
        roles = (person.role,) if person else ("technologist", "reader")
        found: dict[str, list[Limit]] = {}
        for facility_id in sorted(facilities):
            for (type_id, role), limits in self.limits(facility_id).items():
                if role in roles:
                    found.setdefault(type_id, []).extend(limits)
        return found

    @staticmethod
    def _due(cred: Credential, limits: Iterable[Limit]) -> tuple[date, str | None]:
        due, reason = cred.expires, None
        for max_age, valid_days, scope, label in limits:
            if scope is not None and scope != cred.scope:
                continue
            if max_age is not None and cred.issued is not None:
                d = add_months(cred.issued, max_age)
                if d < due:
                    due, reason = d, f"{label}: max_age_months {max_age}"
            if valid_days:
                d = cred.expires - timedelta(days=valid_days)
                if d < due:
                    due, reason = d, f"{label}: valid_days_after_case {valid_days}"
        return due, reason
