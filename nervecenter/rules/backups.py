"""Who could take a case that is not cleared: people of the needed role who meet every
requirement of the case and have no overlapping case, fewest cases that day first, then by id."""

from __future__ import annotations

from nervecenter.core.model import Case
from nervecenter.rules.clearance import Context
from nervecenter.rules.matching import LAST_DAY, Rule
from nervecenter.rules.plans import Plan, within
from nervecenter.rules.results import Problem

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
        self._pools: dict[tuple, list[str]] = {}  # plan signature -> its pool
        self._holding: dict[tuple, list[str]] = {}  # (role, accepted (type, scope)s) -> holders
        # the days on which someone is nobody's backup: from the day they left, while excluded
        self._absent: dict[str, list[tuple[int, int]]] = {}
        for pid, p in ctx.people.items():
            if p.left is not None:
                self._absent.setdefault(pid, []).append((p.left.toordinal(), LAST_DAY))
        for pid, theirs in ctx.exclusions.items():
            for x in theirs:
                last = x.until.toordinal() - 1 if x.until is not None else LAST_DAY
                self._absent.setdefault(pid, []).append((x.since.toordinal(), last))

    def roles_needed(self, case: Case, problems: tuple[Problem, ...]) -> list[str]:
        roles = {p.role for p in problems}
        if not case.technologist:
            roles.add("technologist")
        return [r for r in ("technologist", "reader") if r in roles]

    def find(self, case: Case, problems: tuple[Problem, ...],
             rules: tuple[Rule, ...] | None = None) -> tuple[str, ...]:
        """Up to MAX_BACKUPS people for each role that has a problem, and technologists for a case
        without one (technologists first); none for a cleared case. `rules` is the case's
        Rulebook.for_case, when the caller has it already."""
        if not problems and case.technologist:
            return ()
        pair = self.ctx.plans.pair(self.ctx.rulebook.for_case(case) if rules is None else rules)
        found: list[str] = []
        for role in self.roles_needed(case, problems):
            found.extend(self._for_role(case, pair[role == "reader"]))
        return tuple(found)

    def _for_role(self, case: Case, plan: Plan) -> list[str]:
        """The pool people free all day first (by id), then by cases that day and id; of those,
        the first who meet every requirement on the day and are free at the time."""
        ctx = self.ctx
        schedule = ctx.schedule
        known, days, busy = plan.known, ctx.plans.days, schedule.busy
        checked, kinds = bool(plan.credential_rules), plan.kinds
        taken = (case.technologist, case.reader)
        ordinal = case.start.date().toordinal()  # case_day
        busy_today = schedule.people_on(case.start.date())
        absent = self._absent

        def fits(person: str) -> bool:
            if person in taken or (person in absent and within(absent[person], ordinal)):
                return False
            if checked:
                spans = known.get(person)
                if spans is None:  # first look at this person under this plan
                    spans = days(plan, person)
                if not within(spans, ordinal):
                    return False
            if busy(person, case):
                return False
            # Every rule kind is registered: clear() has refused the case otherwise.
            return not kinds or all(_passes(kind, r.req, case, person, schedule)
                                    for r, kind in kinds)

        out: list[str] = []
        later = []
        for person in self._pool(plan):
            if person in busy_today:
                later.append(person)
            elif fits(person):
                out.append(person)
                if len(out) == MAX_BACKUPS:
                    return out
        later.sort(key=lambda p: (busy_today[p], p))
        for person in later:
            if fits(person):
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
                # plans of one facility (its `when` variants) mostly share their rarest type
                pool = self._holding.get((role, narrowest.keys))
                if pool is None:
                    first = set().union(*(holders.get(k, ()) for k in narrowest.keys))
                    people = self.ctx.people
                    pool = self._holding[role, narrowest.keys] = sorted(
                        p for p in first if p in people and people[p].role == role)
            self._pools[plan.signature] = pool
        return pool
