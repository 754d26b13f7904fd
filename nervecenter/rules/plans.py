"""Which requirements of a case bind each role, and on which days a person meets them all.

Cases at one facility (with the same `when` outcome) share a Plan per role. For each person
the plan remembers the spans of days on which they meet every credential requirement, so a
person's second case there, or a backup candidate's tenth, costs one lookup. Days are day
numbers (`date.toordinal()`), inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from nervecenter.core.model import RuleKind
from nervecenter.rules.matching import Rule, Spans

SpanList = tuple[tuple[int, int], ...]
_FIRST, _LAST = date.min.toordinal(), date.max.toordinal()
ALWAYS: SpanList = ((_FIRST, _LAST),)


def intersect(a: SpanList, b: SpanList) -> SpanList:
    """The days in both span lists."""
    if not b or a is ALWAYS:
        return b
    if len(a) == 1 and len(b) == 1:  # the usual case
        (a0, a1), (b0, b1) = a[0], b[0]
        first, last = max(a0, b0), min(a1, b1)
        return ((first, last),) if first <= last else ()
    return tuple((max(a0, b0), min(a1, b1)) for a0, a1 in a for b0, b1 in b
                 if max(a0, b0) <= min(a1, b1))


def within(spans: SpanList, day: int) -> bool:
    """Whether day number `day` falls in one of the spans."""
    for first, last in spans:
        if first <= day <= last:
            return True
    return False


@dataclass
class Plan:
    """The requirements one role must meet under one set of rules."""

    credential_rules: tuple[Rule, ...]
    kinds: tuple[tuple[Rule, RuleKind | None], ...]  # rule-kind requirements and their plugin
    signature: tuple  # equal for plans with the same credential rules
    known: dict[str, SpanList] = field(default_factory=dict)  # person -> days meeting them all


class Plans:
    def __init__(self, rule_kinds: dict[str, RuleKind], spans: Spans):
        self.rule_kinds = rule_kinds
        self.spans = spans
        self._plans: dict[tuple[int, str], Plan] = {}
        self._known: dict[tuple, dict[str, SpanList]] = {}
        self._pairs: dict[int, tuple[Plan, Plan]] = {}

    def plan(self, rules: tuple[Rule, ...], role: str) -> Plan:
        """The plan of a role under a tuple of rules from Rulebook.for_case (which hands out one
        tuple per set of rules, alive as long as the rulebook: its identity is a fair key)."""
        plan = self._plans.get((id(rules), role))
        if plan is None:
            mine = [r for r in rules if role in r.roles]
            credential_rules = tuple(r for r in mine if r.keys)
            kinds = tuple((r, self.rule_kinds.get(r.req.rule)) for r in mine if not r.keys)
            signature = (role, tuple(r.n for r in credential_rules))
            plan = self._plans[id(rules), role] = Plan(
                credential_rules, kinds, signature, self._known.setdefault(signature, {}))
        return plan

    def pair(self, rules: tuple[Rule, ...]) -> tuple[Plan, Plan]:
        """The technologist's and the reader's plans under a tuple of rules (one lookup)."""
        found = self._pairs.get(id(rules))
        if found is None:
            found = self._pairs[id(rules)] = (self.plan(rules, "technologist"),
                                              self.plan(rules, "reader"))
        return found

    def days(self, plan: Plan, person: str) -> SpanList:
        """The days on which the person meets every credential requirement of the plan."""
        spans = plan.known.get(person)
        if spans is None:
            spans = plan.known[person] = self._days(plan, person)
        return spans

    def _days(self, plan: Plan, person: str) -> SpanList:
        mine = self.spans.of(person)
        compute = self.spans.compute
        # Each rule usually gives one span: keep their intersection as two numbers until one
        # gives several.
        first, last = _FIRST, _LAST
        several = None
        for rule in plan.credential_rules:
            found = mine.get(rule.same)
            if found is None:
                found = mine[rule.same] = compute(person, rule)
            if not found:
                return ()
            if several is None and len(found) == 1:
                a, b = found[0]
                first = max(first, a)
                last = min(last, b)
                if first > last:
                    return ()
            else:
                several = intersect(((first, last),) if several is None else several, found)
                if not several:
                    return ()
        if several is not None:
            return several
        return ALWAYS if (first, last) == ALWAYS[0] else ((first, last),)

    def qualified(self, plan: Plan, person: str, day: date) -> bool:
        """True when the person meets every credential requirement of the plan on the day."""
        return within(self.days(plan, person), day.toordinal())
