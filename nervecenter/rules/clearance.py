"""The verdict on one case: its problems, one per unmet requirement, and its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from nervecenter.core.errors import NerveCenterError
from nervecenter.core.model import Case, Exclusion, Practice, Requirement, credential_id
from nervecenter.rules.explain import Explainer
from nervecenter.rules.matching import CredentialIndex, Rule, Rulebook, failure
from nervecenter.rules.plans import Plans, within
from nervecenter.rules.results import Outcome, Problem, new_problem
from nervecenter.rules.schedule import CaseSchedule


@dataclass
class Context:
    """What an evaluation looks things up in, built once per evaluation."""

    practice: Practice
    people: dict
    index: CredentialIndex
    schedule: CaseSchedule
    rulebook: Rulebook
    explain: Explainer
    plans: Plans
    exclusions: dict[str, list[Exclusion]] = field(default_factory=dict)  # person -> confirmed


def check(ctx: Context, rule: Rule, case: Case, role: str, person: str) -> list[Problem]:
    """The problems of one person (in one role) with one credential requirement of one case."""
    req = rule.req
    day = case.start.date()  # case_day
    held = ctx.index.held.get(person, _NONE)
    ex = ctx.explain
    keys = rule.keys
    if len(keys) == 1:  # the usual requirement: one accepted type
        key = keys[0]
        type_id, scope = key
        grace = rule.grace[0]
        cred = held.get(key)
        reason = "missing" if cred is None else failure(cred, req, day, grace)
        if reason is None:
            return []
        label, others = ex.credential(type_id, rule.scope_kinds[0], scope), ""
    else:
        best = None
        for n, (key, kind, grace) in enumerate(zip(keys, rule.scope_kinds, rule.grace)):
            cred = held.get(key)
            reason = "missing" if cred is None else failure(cred, req, day, grace)
            if reason is None:
                return []
            # For any_of, explain the candidate closest to passing: one on file beats none, a
            # revoked one is worst among those, then the one expiring last, then the order
            # written.
            rank = (cred is None, reason == "revoked", -cred.expires.toordinal() if cred else 0, n)
            if best is None or rank < best[0]:
                best = (rank, key, kind, cred, reason, grace)
        _, (type_id, scope), kind, cred, reason, grace = best
        labels = [ex.credential(t, k, s) for (t, s), k in zip(keys, rule.scope_kinds)]
        if reason == "missing":
            label = others = " or ".join(labels)
        else:
            label = ex.credential(type_id, kind, scope)
            others = " or ".join(lb for lb in labels if lb != label)
    detail = ex.credential_problem(reason, person, label, cred, req, day, grace, others)
    return [new_problem(person, role, type_id, reason, req.source, detail, req.enforcement,
                        cred.id if cred else credential_id(person, type_id, scope))]


_NONE: dict = {}


def _unregistered(req: Requirement) -> NerveCenterError:
    return NerveCenterError(
        f"{req.location or req.source}: rule kind {req.rule!r} is not registered by any "
        f"plugin; install the plugin that provides it or remove the rule")


def run_rule_kind(ctx: Context, rule: Rule, kind, case: Case, role: str,
                  person: str) -> list[Problem]:
    """A rule kind's problems. A plugin's bug stays in the plugin: whatever its `check` raises
    becomes a `rule_error` problem that blocks the case (fail closed), and the rest of the
    evaluation goes on."""
    req = rule.req
    try:
        found = kind.check(req, case, person, ctx.schedule)
    except Exception as e:  # noqa: BLE001 - any bug of a third party's code
        return [Problem(person=person, role=role, type=req.rule, reason="rule_error",
                        source=req.source, detail=rule_error(kind, e), enforcement="block")]
    return _rule_problems(ctx, rule, role, person, found) if found else []


def rule_error(kind, exc: BaseException) -> str:
    """One line naming the rule kind, its plugin and package, and the exception."""
    origin = f"package {kind.package}" if kind.package else "built in"
    what = " ".join(f"{type(exc).__name__}: {exc}".split())
    return (f"rule kind {kind.id!r} of plugin {kind.plugin!r} ({origin}) failed: {what}; the "
            "case is blocked until the plugin is fixed or the rule removed.")


def _rule_problems(ctx: Context, rule: Rule, role: str, person: str, found) -> list[Problem]:
    req = rule.req
    return [Problem(person=person, role=role, type=req.rule, reason=reason, source=req.source,
                    detail=ctx.explain.rule_problem(person, clause, req),
                    enforcement=req.enforcement)
            for reason, clause in found]


def excluded(ctx: Context, role: str, person: str, day) -> list[Problem]:
    """A person confirmed on an exclusion list is blocked on every case from the exclusion date
    until a reinstatement, whatever the facility's rules: no federal health care program pays
    for their work."""
    return [Problem(person=person, role=role, type="exclusion_screening", reason="excluded",
                    source=f"exclusion:{x.list}", detail=ctx.explain.exclusion(person, x),
                    enforcement="block")
            for x in ctx.exclusions.get(person, ()) if x.applies(day)][:1]


def clear(ctx: Context, case: Case,
          rules: tuple[Rule, ...] | None = None) -> tuple[Outcome, tuple[Problem, ...]]:
    """The outcome of a case and its problems (docs/rules.md): the technologist's first,
    each in the order the requirements are written (the state's, then the facility's).
    `rules` is the case's Rulebook.for_case, when the caller has it already."""
    problems: list[Problem] = []
    day = case.start.date()  # case_day
    ordinal = day.toordinal()
    plans = ctx.plans
    spans_of, compute, days = plans.spans.of, plans.spans.compute, plans.days
    people, exclusions = ctx.people, ctx.exclusions
    pair = plans.pair(ctx.rulebook.for_case(case) if rules is None else rules)
    for role, person, plan in (("technologist", case.technologist, pair[0]),
                               ("reader", case.reader, pair[1])):
        if not person:
            continue
        who = people.get(person)
        if who is not None and who.left is not None and who.left <= day:
            problems.append(new_problem(
                person, role, None, "inactive", "practice",
                f"{who.name} left the practice on {who.left.isoformat()}; assign someone else."))
            continue  # their requirements no longer matter
        if person in exclusions:
            problems.extend(excluded(ctx, role, person, day))
        if plan.credential_rules:
            # The days they meet the whole plan, worked out once per (plan, person) and shared
            # with the backup search; only someone failing it on the day is checked rule by rule.
            known = plan.known.get(person)
            if known is None:
                known = days(plan, person)
            if not within(known, ordinal):
                mine = spans_of(person)
                for rule in plan.credential_rules:
                    spans = mine.get(rule.same)
                    if spans is None:
                        spans = mine[rule.same] = compute(person, rule)
                    for first, last in spans:
                        if first <= ordinal <= last:
                            break
                    else:
                        problems.extend(check(ctx, rule, case, role, person))
        for rule, kind in plan.kinds:
            if kind is None:
                raise _unregistered(rule.req)
            problems.extend(run_rule_kind(ctx, rule, kind, case, role, person))
    if not problems:
        return ("unstaffed" if not case.technologist else "cleared"), ()
    if not case.technologist:
        outcome: Outcome = "unstaffed"
    elif any(p.enforcement == "block" for p in problems):
        outcome = "blocked"
    else:
        outcome = "warning"
    return outcome, tuple(problems)
