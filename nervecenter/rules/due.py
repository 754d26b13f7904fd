"""Due dates: the last day each credential is good for the places its holder works (SPEC.md 7).

A credential is due on its expiry, or earlier where a facility the holder works at (privileges
there, or a case there within the horizon) has a requirement for its type and the holder's role
with `max_age_months` (due on issued + M months) or `valid_days_after_case` (due N days before
expiry). `when` conditions are not considered: a facility may book any kind of case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from nervecenter.core.dates import add_months
from nervecenter.core.model import Case, Credential
from nervecenter.rules.clearance import Context
from nervecenter.rules.results import DueDate, Problem

# One facility's constraint on a (type, role): (max_age_months, valid_days, scope key, label source)
Limit = tuple[int | None, int, str | None, str]


def stage_for(days_left: int, stages: Iterable[int]) -> int | None:
    """The smallest stage s with days_left <= s; 0 once lapsed; None when beyond every stage."""
    if days_left <= 0:
        return 0
    fitting = [s for s in stages if days_left <= s]
    return min(fitting) if fitting else None


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
            found = defaultdict(list)
            for rule in self.ctx.rulebook.rules(facility_id):
                req = rule.req
                if req.max_age_months is None and not req.valid_days_after_case:
                    continue
                for (type_id, scope), kind in zip(rule.keys, rule.scope_kinds):
                    for role in ("technologist", "reader"):
                        if req.applies_to(role):
                            found[type_id, role].append(
                                (req.max_age_months, req.valid_days_after_case,
                                 scope if kind != "person" else None, _label(req.source)))
            self._limits[facility_id] = found
        return found

    def compute(self, on: date, horizon_cases: list[Case],
                problems: Iterable[Problem]) -> tuple[DueDate, ...]:
        """A DueDate for every credential in the snapshot, by person, due date and id."""
        ctx = self.ctx
        works_at: dict[str, set[str]] = defaultdict(set)
        for (person, type_id, scope), cred in ctx.index.by_key.items():
            if (scope and cred.status != "revoked" and ctx.rulebook.scope_kind(type_id) == "facility"
                    and scope in ctx.practice.facilities):
                works_at[person].add(scope)
        for case in horizon_cases:
            for person in (case.technologist, case.reader):
                if person:
                    works_at[person].add(case.facility)
        endangered: dict[str, list[str]] = defaultdict(list)
        for case_id, p in problems:
            if p.credential and case_id not in endangered[p.credential]:
                endangered[p.credential].append(case_id)
        out = []
        for cred in ctx.index.by_key.values():
            due, reason = self._due(cred, works_at.get(cred.person, ()))
            days_left = (due - on).days
            out.append(DueDate(credential=cred, due=due, due_reason=reason, days_left=days_left,
                               stage=stage_for(days_left, ctx.practice.stages_for(cred.type)),
                               cases=tuple(endangered.get(cred.id, ()))))
        out.sort(key=lambda d: (d.credential.person, d.due, d.credential.id))
        return tuple(out)

    def _due(self, cred: Credential, facilities: Iterable[str]) -> tuple[date, str | None]:
        person = self.ctx.people.get(cred.person)
        roles = (person.role,) if person else ("technologist", "reader")
        due, reason = cred.expires, None
        for facility_id in sorted(facilities):
            limits = self.limits(facility_id)
            for role in roles:
                for max_age, valid_days, scope, label in limits.get((cred.type, role), ()):
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
