"""Conflicts: facilities whose requirements for the same credential type differ, and who is caught
between them (meets the most lenient facility's version but not the strictest's, as of the date).

A facility's requirements for a type include its state's. Where a facility has several
requirements for one type (say one per role), the strictest value of each attribute stands for it.
Only people of a role those requirements apply to can be affected.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from nervecenter.core.model import Credential, Requirement
from nervecenter.rules.clearance import Context
from nervecenter.rules.matching import failure
from nervecenter.rules.results import Conflict

ATTRIBUTES = ("max_age_months", "valid_days_after_case", "issuers", "any_of", "enforcement")
# The plain requirement accepts no grace, and neither do the versions built from it, so a type's
# grace_days never matter here.
NO_GRACE = 0


def _strictest(attribute: str, reqs: list[Requirement], type_id: str) -> Any:
    """One facility's value of an attribute for a type; None means no limit."""
    if attribute == "max_age_months":
        ages = [r.max_age_months for r in reqs if r.max_age_months is not None]
        return min(ages) if ages else None
    if attribute == "valid_days_after_case":
        return max(r.valid_days_after_case for r in reqs) or None  # reqs is never empty
    if attribute == "issuers":
        sets = [frozenset(r.issuers) for r in reqs if r.issuers is not None]
        return sorted(frozenset.intersection(*sets)) if sets else None
    if attribute == "any_of":  # the types accepted in its place, itself included
        sets = [frozenset(r.types) for r in reqs]
        return sorted(frozenset.intersection(*sets) | {type_id})
    return "block" if any(r.enforcement == "block" for r in reqs) else "warn"


def _leniency(attribute: str, value: Any) -> tuple:
    """Sort key: larger is more lenient."""
    if attribute == "max_age_months":
        return (value is None, value or 0)
    if attribute == "valid_days_after_case":
        return (value is None, -(value or 0))
    if attribute == "issuers":
        return (value is None, len(value or ()))
    if attribute == "any_of":
        return (len(value),)
    return (value == "warn",)


def find_conflicts(ctx: Context, on: date) -> tuple[Conflict, ...]:
    by_type: dict[str, dict[str, list[Requirement]]] = {}
    for facility_id in sorted(ctx.practice.facilities):
        for rule in ctx.rulebook.rules(facility_id):
            for type_id in rule.req.types:
                by_type.setdefault(type_id, {}).setdefault(facility_id, []).append(rule.req)
    creds_by_type: dict[str, list[Credential]] = {}
    for cred in ctx.index.all():
        creds_by_type.setdefault(cred.type, []).append(cred)
    passing: dict[str, list[Credential]] = {}  # type -> its credentials meeting the plain requirement
    out = []
    for type_id in sorted(by_type):
        facilities = by_type[type_id]
        if len(facilities) < 2:
            continue
        for attribute in ATTRIBUTES:
            values = {f: _strictest(attribute, reqs, type_id) for f, reqs in facilities.items()}
            distinct = {repr(v): v for v in values.values()}
            if len(distinct) < 2:
                continue
            ordered = sorted(distinct.values(), key=lambda v: _leniency(attribute, v))
            roles = {role for reqs in facilities.values() for r in reqs
                     for role in ("technologist", "reader") if r.applies_to(role)}
            affected = tuple(
                p for p in _affected(on, type_id, attribute, ordered[0], ordered[-1],
                                     creds_by_type, passing)
                if p not in ctx.people or (ctx.people[p].role in roles
                                           and not ctx.people[p].gone(on)))
            out.append(Conflict(type=type_id, attribute=attribute, values=values,
                                affected=affected))
    return tuple(out)


def _affected(on: date, type_id: str, attribute: str, strict: Any, lenient: Any,
              creds_by_type: dict[str, list[Credential]],
              passing: dict[str, list[Credential]]) -> tuple[str, ...]:
    """People whose credential meets the lenient version on `on` but not the strict one."""
    base = Requirement(source="", credential=type_id)

    def meeting_plain(t: str) -> list[Credential]:
        """The credentials of type t meeting the plain requirement (cached per evaluation)."""
        good = passing.get(t)
        if good is None:
            good = passing[t] = [c for c in creds_by_type.get(t, ())
                                 if failure(c, base, on, NO_GRACE) is None]
        return good

    if attribute == "any_of":
        def meeting(accepted: list[str]) -> set[str]:
            return {c.person for t in accepted for c in meeting_plain(t)}
        holders = {c.person for t in lenient for c in creds_by_type.get(t, ())}
        lenient_ok, strict_ok = meeting(lenient), meeting(strict)
        return tuple(sorted(p for p in holders if p in lenient_ok and p not in strict_ok))
    creds = creds_by_type.get(type_id, ())
    # Every other attribute only adds conditions to the plain requirement, so a credential
    # failing it fails every version.
    good = meeting_plain(type_id)
    if attribute == "enforcement":  # whoever fails the plain requirement is warned at one, blocked at the other
        kept = {id(c) for c in good}
        return tuple(sorted({c.person for c in creds if id(c) not in kept}))
    key = {"max_age_months": "max_age_months", "valid_days_after_case": "valid_days_after_case",
           "issuers": "issuers"}[attribute]
    # The strictest value is never "no limit": with two distinct values, one of them limits.
    # (Issuers stay the sorted list _strictest made: failure() only iterates them.)
    strict_req = replace(base, **{key: strict})
    if lenient is None:  # the lenient version is the plain requirement
        meet_lenient = good
    else:
        lenient_req = replace(base, **{key: lenient})
        meet_lenient = [c for c in good if failure(c, lenient_req, on, NO_GRACE) is None]
    return tuple(sorted({c.person for c in meet_lenient
                         if failure(c, strict_req, on, NO_GRACE) is not None}))
