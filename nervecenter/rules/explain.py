"""One sentence per problem, with names and dates, that a scheduler can act on.

    "Jordan Price's Louisiana state licence expired on 2026-11-28, 5 days before this case;
     Ochsner Medical Center blocks the case."
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from nervecenter.core.dates import add_months
from nervecenter.core.model import Credential, CredentialType, Exclusion, Practice, Requirement
from nervecenter.core.states import state_name as _state_name


def state_name(code: str | None) -> str:
    return _state_name(code.upper()) if code else "an unknown state"


def days(n: int) -> str:
    return "1 day" if abs(n) == 1 else f"{abs(n)} days"


def relative(day: date, case_day: date) -> str:
    """'5 days before this case', '3 days after this case' (never the day itself: a credential
    is valid on the day it is issued and on the day it expires)."""
    n = (case_day - day).days
    return f"{days(n)} {'before' if n > 0 else 'after'} this case"


def _generic(name: str) -> str:
    """'State licence' reads 'state licence' after a state's name; 'CNIM' stays as it is."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


class Explainer:
    """Names for ids, and the sentences built from them."""

    def __init__(self, practice: Practice, people: dict):
        self.practice = practice
        self.people = people
        # The same few phrases come up thousands of times in a large practice: remember them
        # for the life of this evaluation.
        self.credential = cache(self.credential)
        self.place = cache(self.place)
        self.consequence = cache(self.consequence)

    def person(self, person_id: str) -> str:
        p = self.people.get(person_id)
        return p.name if p else person_id

    def type_name(self, type_id: str) -> str:
        t: CredentialType | None = self.practice.credential_types.get(type_id)
        return t.name if t else type_id

    def facility_name(self, facility_id: str) -> str:
        f = self.practice.facilities.get(facility_id)
        return f.name if f else facility_id

    def credential(self, type_id: str, scope_kind: str, scope: str | None) -> str:
        """'BLS Provider', 'Louisiana state licence', 'Facility privileges at Tulane Medical Center'."""
        name = self.type_name(type_id)
        if scope_kind == "state" and scope:
            return f"{state_name(scope)} {_generic(name)}"
        if scope_kind == "facility" and scope:
            return f"{name} at {self.facility_name(scope)}"
        return name

    def exclusion(self, person: str, x: Exclusion) -> str:
        """"Jordan Price is on the OIG exclusion list since 2025-03-14 (1128b4); …"."""
        lists = {"LEIE": "the OIG exclusion list", "SAM": "the SAM.gov exclusion list"}
        kind = f" ({x.kind})" if x.kind else ""
        return (f"{self.person(person)} is on {lists.get(x.list, x.list)} since "
                f"{x.since.isoformat()}{kind}; every case is blocked until a reinstatement.")

    def place(self, source: str) -> str:
        """Who makes the rule: 'Ochsner Medical Center' or "Louisiana's rules"."""
        kind, _, key = source.partition(":")
        if kind == "exclusion":
            return f"the {key} exclusion list"
        return self.facility_name(key) if kind == "facility" else f"{state_name(key)}'s rules"

    def consequence(self, source: str, enforcement: str, what: str = "") -> str:
        """"Ochsner Medical Center blocks the case", "Louisiana's rules require it and block the
        case"; `what` is an optional first verb phrase in the singular ("requires it")."""
        plural = source.startswith("state:")
        verdict = "blocks the case" if enforcement == "block" else "warns but allows the case"
        phrase = f"{what} and {verdict}" if what else verdict
        if plural:
            phrase = " ".join(_plural(w) for w in phrase.split(" "))
        return f"{self.place(source)} {phrase}"

    def credential_problem(self, reason: str, person: str, label: str, cred: Credential | None,
                           req: Requirement, case_day: date, grace_days: int,
                           alternatives: str) -> str:
        """The sentence for an unmet credential requirement. For an any_of requirement, `label`
        names the best candidate and `alternatives` the other accepted types ('' otherwise)."""
        place = self.place(req.source)
        if reason == "missing":
            needs = "accepts any of them" if alternatives else "requires it"
            return (f"{self.person(person)} has no {label} on file; "
                    f"{self.consequence(req.source, req.enforcement, needs)}.")
        assert cred is not None
        who = f"{self.person(person)}'s {label}"
        if reason == "revoked":
            fact = f"{who} is revoked"
        elif reason == "not_yet_valid":
            fact = f"{who} is only valid from {cred.issued}, {relative(cred.issued, case_day)}"
        elif reason == "expired":
            fact = f"{who} expired on {cred.expires}, {relative(cred.expires, case_day)}"
            if grace_days and req.accept_grace:
                fact += f", and its {days(grace_days)} of grace are over too"
            elif grace_days:
                fact += " (its late-renewal grace period is not accepted here)"
        elif reason == "expires_too_soon":
            until = case_day + timedelta(days=req.valid_days_after_case)
            fact = (f"{who} expires on {cred.expires}, but must stay valid until {until} "
                    f"({days(req.valid_days_after_case)} after this case)")
        elif reason == "too_old":
            if cred.issued is None:
                fact = (f"{who} has no issue date on record, and {place} accepts it only within "
                        f"{req.max_age_months} months of issue")
            else:
                fact = (f"{who} was issued on {cred.issued}, more than {req.max_age_months} "
                        f"months before this case (accepted until "
                        f"{add_months(cred.issued, req.max_age_months)})")
        elif reason == "wrong_issuer":
            issuer = cred.issuer or "an unrecorded issuer"
            fact = f"{who} is from {issuer}, and {place} accepts only {' or '.join(req.issuers or ())}"
        elif reason == "unverified":
            issued = f" on {cred.issued}" if cred.issued else ""
            fact = f"{who} has no primary source verification dated on or after its issue{issued}"
        else:
            fact = f"{who} does not meet the requirement ({reason})"
        if alternatives:
            fact += f", and there is no valid {alternatives} either"
        return f"{fact}; {self.consequence(req.source, req.enforcement)}."

    def rule_problem(self, person: str, clause: str, req: Requirement) -> str:
        """A rule kind's problem: the person's name, the plugin's clause, the consequence."""
        return f"{self.person(person)} {clause}; {self.consequence(req.source, req.enforcement)}."


_PLURALS = {"blocks": "block", "warns": "warn", "allows": "allow", "requires": "require",
            "accepts": "accept"}


def _plural(word: str) -> str:
    return _PLURALS.get(word, word)
