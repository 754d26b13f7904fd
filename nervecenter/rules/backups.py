"""Who could take a case that is not cleared: people of the needed role who meet every
requirement of the case and have no overlapping case, fewest cases that day first, then by id."""

from __future__ import annotations

from collections.abc import Iterator

from nervecenter.core.model import Case
from nervecenter.rules.clearance import Context, case_rules, check
from nervecenter.rules.matching import Rule
from nervecenter.rules.results import Problem
from nervecenter.rules.schedule import case_day

MAX_BACKUPS = 3


class Backups:
    """Finds backups; remembers, per facility and role, who holds the required credential types."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._by_role: dict[str, list[str]] = {}
        for pid in sorted(ctx.people):
            self._by_role.setdefault(ctx.people[pid].role, []).append(pid)
        self._pools: dict[tuple, list[str]] = {}

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
            mine = [r for r in rules if r.req.applies_to(role)]
            found.extend(self._for_role(case, role, mine))
        return tuple(found)

    def _for_role(self, case: Case, role: str, rules: list[Rule]) -> list[str]:
        ctx = self.ctx
        taken = {case.technologist, case.reader}
        out: list[str] = []
        for person in self._ordered(case, self._pool(case, role, rules)):
            if person in taken or ctx.schedule.busy(person, case):
                continue
            if all(not check(ctx, rule, case, role, person) for rule in rules):
                out.append(person)
                if len(out) == MAX_BACKUPS:
                    break
        return out

    def _pool(self, case: Case, role: str, rules: list[Rule]) -> list[str]:
        """People of the role holding some version of every required credential type, by id.

        Only a superset of the backups: validity on the day is checked afterwards.
        """
        key = (case.facility, role, tuple(id(r) for r in rules))
        pool = self._pools.get(key)
        if pool is None:
            holders = self.ctx.index.holders
            sets = [set().union(*(holders.get(k, ()) for k in r.keys)) for r in rules if r.keys]
            everyone = self._by_role.get(role, [])
            if not sets:
                pool = everyone
            else:
                sets.sort(key=len)
                first, rest = sets[0], sets[1:]
                people = self.ctx.people
                pool = sorted(p for p in first if all(p in s for s in rest)
                              and p in people and people[p].role == role)
            self._pools[key] = pool
        return pool

    def _ordered(self, case: Case, pool: list[str]) -> Iterator[str]:
        """The pool with people free all day first (by id), then by cases that day and id."""
        busy_today = self.ctx.schedule.people_on(case_day(case))
        for person in pool:
            if person not in busy_today:
                yield person
        yield from sorted((p for p in pool if p in busy_today), key=lambda p: (busy_today[p], p))
