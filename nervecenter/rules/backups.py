"""Who could take a case that is not cleared: people of the needed role who meet every
requirement of the case and have no overlapping case, fewest cases that day first, then by id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from nervecenter.core.model import Case
from nervecenter.rules.clearance import Context
from nervecenter.rules.plans import Plan
from nervecenter.rules.results import Problem
from nervecenter.rules.schedule import case_day

MAX_BACKUPS = 3

def _passes(kind, req, case: Case, person: str, schedule) -> bool:
    """A rule kind finds nothing against this person; a plugin that raises proposes no one."""
    try:
        return not kind.check(req, case, person, schedule)
    except Exception:  # noqa: BLE001 - the case itself reports the plugin's error
        return False


class Backups:
    """Finds backups. The candidates for a plan (a role under a facility's rules) are the people
    holding its rarest required credential type; when each meets all of the plan's credential
    requirements is worked out once (plans.Plans) and reused for every case there."""

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
        """Up to MAX_BACKUPS people for each role that has a problem, and technologists for a case
        without one (technologists first); none for a cleared case."""
        rules = self.ctx.rulebook.for_case(case)
        found: list[str] = []
        for role in self.roles_needed(case, problems):
            found.extend(self._for_role(case, self.ctx.plans.plan(rules, role)))
        return tuple(found)

    def _for_role(self, case: Case, plan: Plan) -> list[str]:
        ctx = self.ctx
        known, qualified, busy = plan.known, ctx.plans.qualified, ctx.schedule.busy
        kinds, schedule = plan.kinds, ctx.schedule
        taken = (case.technologist, case.reader)
        day = case_day(case)
        out: list[str] = []
        people = ctx.people
        for person in self._ordered(day, self._pool(plan)):
            if person in taken or people[person].gone(day):
                continue
            if any(x.applies(day) for x in ctx.exclusions.get(person, ())):
                continue  # an excluded person is never anyone's backup
            spans = known.get(person)
            if spans is None:  # first look at this person under this plan
                if not qualified(plan, person, day):
                    continue
            else:
                for first, last in spans:
                    if first <= day <= last:
                        break
                else:
                    continue
            if busy(person, case):
                continue
            # Every rule kind is registered: clear() has refused the case otherwise.
            if not kinds or all(_passes(kind, r.req, case, person, schedule) for r, kind in kinds):
                out.append(person)
                if len(out) == MAX_BACKUPS:
                    break
        return out

    def _pool(self, plan: Plan) -> list[str]:
        """People of the role holding some version of the rarest required credential, by id.

        Only a superset of the backups: who meets every requirement on the day is checked after.
        """
        pool = self._pools.get(plan.signature)
        if pool is None:
            role, rules = plan.signature[0], plan.credential_rules
            if not rules:
                pool = self._by_role.get(role, [])
            else:
                holders = self.ctx.index.holders
                narrowest = min(rules, key=lambda r: sum(len(holders.get(k, ())) for k in r.keys))
                first = set().union(*(holders.get(k, ()) for k in narrowest.keys))
                people = self.ctx.people
                pool = sorted(p for p in first if p in people and people[p].role == role)
            self._pools[plan.signature] = pool
        return pool

    def _ordered(self, day: date, pool: list[str]) -> Iterator[str]:
        """The pool with people free all day first (by id), then by cases that day and id."""
        busy_today = self.ctx.schedule.people_on(day)
        for person in pool:
            if person not in busy_today:
                yield person
        yield from sorted((p for p in pool if p in busy_today), key=lambda p: (busy_today[p], p))
