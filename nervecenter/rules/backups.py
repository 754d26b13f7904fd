"""Who could take a case that is not cleared: people of the needed role who meet every
requirement of the case and have no overlapping case, fewest cases that day first, then by id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from nervecenter.core.model import Case, RuleKind
from nervecenter.rules.clearance import Context, case_rules
from nervecenter.rules.matching import Rule
from nervecenter.rules.results import Problem
from nervecenter.rules.schedule import case_day

MAX_BACKUPS = 3

SpanList = tuple[tuple[date, date], ...]
_ALWAYS: SpanList = ((date.min, date.max),)


def _intersect(a: SpanList, b: SpanList) -> SpanList:
    if not b or a is _ALWAYS:
        return b
    if len(a) == 1 and len(b) == 1:  # the usual case
        (a0, a1), (b0, b1) = a[0], b[0]
        first, last = (max(b0, a0)), (min(b1, a1))
        return ((first, last),) if first <= last else ()
    return tuple((max(a0, b0), min(a1, b1)) for a0, a1 in a for b0, b1 in b
                 if max(a0, b0) <= min(a1, b1))


@dataclass
class _Plan:
    """How to look for backups of one role for cases under one set of rules."""

    credential_rules: list[Rule]
    kinds: list[tuple[Rule, RuleKind | None]]
    pool: list[str]  # candidates, by id
    known: dict[str, SpanList]  # person -> days on which they meet every credential rule


class Backups:
    """Finds backups. The candidates for a facility and role are the people holding every
    required credential type there; when each of them meets all of those requirements is worked
    out once (as spans of days) and reused for every case at that facility."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._by_role: dict[str, list[str]] = {}
        for pid in sorted(ctx.people):
            self._by_role.setdefault(ctx.people[pid].role, []).append(pid)
        self._pools: dict[tuple, list[str]] = {}
        self._spans: dict[tuple, dict[str, SpanList]] = {}  # signature -> person -> days
        self._plans: dict[tuple[int, str], _Plan] = {}

    def roles_needed(self, case: Case, problems: tuple[Problem, ...]) -> list[str]:
        roles = {p.role for p in problems}
        if not case.technologist:
            roles.add("technologist")
        return [r for r in ("technologist", "reader") if r in roles]

    def find(self, case: Case, problems: tuple[Problem, ...]) -> tuple[str, ...]:
        """Up to MAX_BACKUPS people for each role that has a problem (technologists first)."""
        rules = case_rules(self.ctx, case)
        found: list[str] = []
        for role in self.roles_needed(case, problems):
            found.extend(self._for_role(case, self._plan(rules, role)))
        return tuple(found)

    def _plan(self, rules: tuple[Rule, ...], role: str) -> _Plan:
        # Rulebook.for_case hands out one tuple per set of rules, alive as long as the rulebook.
        plan = self._plans.get((id(rules), role))
        if plan is None:
            mine = [r for r in rules if role in r.roles]
            credential_rules = [r for r in mine if r.keys]
            kinds = [(r, self.ctx.practice.rule_kinds.get(r.req.rule)) for r in mine if not r.keys]
            signature = (role, tuple(r.n for r in credential_rules))
            plan = self._plans[id(rules), role] = _Plan(
                credential_rules, kinds, self._pool(signature, role, credential_rules),
                self._spans.setdefault(signature, {}))
        return plan

    def _for_role(self, case: Case, plan: _Plan) -> list[str]:
        ctx = self.ctx
        known = plan.known
        taken = (case.technologist, case.reader)
        day = case_day(case)
        out: list[str] = []
        for person in self._ordered(day, plan.pool):
            if person in taken:
                continue
            spans = known.get(person)
            if spans is None:
                spans = known[person] = self._combined(plan.credential_rules, person)
            for first, last in spans:
                if first <= day <= last:
                    break
            else:
                continue
            if ctx.schedule.busy(person, case):
                continue
            if all(kind is not None and not kind.check(r.req, case, person, ctx.schedule)
                   for r, kind in plan.kinds):
                out.append(person)
                if len(out) == MAX_BACKUPS:
                    break
        return out

    def _combined(self, rules: list[Rule], person: str) -> SpanList:
        """The days on which the person meets every one of the credential rules."""
        spans = _ALWAYS
        for rule in rules:
            spans = _intersect(spans, self.ctx.spans.spans(person, rule))
            if not spans:
                break
        return spans

    def _pool(self, signature: tuple, role: str, rules: list[Rule]) -> list[str]:
        """People of the role holding some version of the rarest required credential, by id.

        Only a superset of the backups: who meets every requirement on the day is checked after.
        """
        pool = self._pools.get(signature)
        if pool is None:
            if not rules:
                pool = self._by_role.get(role, [])
            else:
                holders = self.ctx.index.holders
                narrowest = min(rules, key=lambda r: sum(len(holders.get(k, ())) for k in r.keys))
                first = set().union(*(holders.get(k, ()) for k in narrowest.keys))
                people = self.ctx.people
                pool = sorted(p for p in first if p in people and people[p].role == role)
            self._pools[signature] = pool
        return pool

    def _ordered(self, day: date, pool: list[str]) -> Iterator[str]:
        """The pool with people free all day first (by id), then by cases that day and id."""
        busy_today = self.ctx.schedule.people_on(day)
        for person in pool:
            if person not in busy_today:
                yield person
        yield from sorted((p for p in pool if p in busy_today), key=lambda p: (busy_today[p], p))
