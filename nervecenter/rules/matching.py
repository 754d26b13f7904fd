"""Does one credential satisfy one requirement on one day? (docs/rules.md)

Also the lookups that answer it quickly: credentials by (person, type, scope key), and each
facility's requirements (its state's and its own) with their scope keys resolved once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from nervecenter.core.dates import add_months
from nervecenter.core.errors import NerveCenterError
from nervecenter.core.model import Case, Credential, Facility, Practice, Requirement


def _plus(day: date, days: int) -> date:
    """`day` + `days`, held within the calendar (an expiry written as 9999-12-31 stays valid)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def failure(cred: Credential, req: Requirement, day: date, grace_days: int) -> str | None:
    """The reason `cred` does not satisfy `req` for a case on `day`, or None when it does.

    The checks run in the order a scheduler would fix them: revoked, not yet valid, expired,
    expiring too soon after the case, too old, wrong issuer, unverified.
    """
    if cred.status == "revoked":
        return "revoked"
    if cred.issued is not None and cred.issued > day:
        return "not_yet_valid"
    last = _plus(cred.expires, grace_days) if req.accept_grace and grace_days else cred.expires
    if day > last:
        return "expired"
    if req.valid_days_after_case and _plus(day, req.valid_days_after_case) > last:
        return "expires_too_soon"
    if req.max_age_months is not None and (
            cred.issued is None or day > add_months(cred.issued, req.max_age_months)):
        return "too_old"
    if req.issuers is not None and (cred.issuer or "").casefold() not in {
            i.casefold() for i in req.issuers}:
        return "wrong_issuer"
    if req.verified and (cred.verified is None
                         or (cred.issued is not None and cred.verified.on < cred.issued)):
        return "unverified"
    return None


FIRST_DAY, LAST_DAY = date.min.toordinal(), date.max.toordinal()


def valid_days(cred: Credential, req: Requirement, grace_days: int) -> tuple[int, int] | None:
    """The case days on which `cred` satisfies `req`, as day numbers (first, last), or None for
    no day at all.

    The same decision as `failure`, turned around so that it can be computed once per credential
    and requirement and reused for every case day (backups ask it again and again).
    """
    if cred.status == "revoked":
        return None
    if req.issuers is not None and (cred.issuer or "").casefold() not in {
            i.casefold() for i in req.issuers}:
        return None
    if req.verified and (cred.verified is None
                         or (cred.issued is not None and cred.verified.on < cred.issued)):
        return None
    last = cred.expires.toordinal()
    if req.accept_grace and grace_days:
        last = min(last + grace_days, LAST_DAY)  # held within the calendar, as _plus does
    if req.valid_days_after_case:
        last = max(last - req.valid_days_after_case, FIRST_DAY)
    if req.max_age_months is not None:
        if cred.issued is None:
            return None
        last = min(last, add_months(cred.issued, req.max_age_months).toordinal())
    first = cred.issued.toordinal() if cred.issued is not None else FIRST_DAY
    return (first, last) if first <= last else None


def valid_span(cred: Credential, req: Requirement, grace_days: int) -> tuple[date, date] | None:
    """`valid_days` as dates."""
    days = valid_days(cred, req, grace_days)
    return None if days is None else (date.fromordinal(days[0]), date.fromordinal(days[1]))


def _compile_when(req: Requirement) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((name, frozenset(str(a).casefold() for a in accepted))
                 for name, accepted in req.when.items())


def _when_holds(when: tuple[tuple[str, frozenset[str]], ...], case: Case) -> bool:
    for name, accepted in when:
        value = case.value(name)
        if value is None or str(value).casefold() not in accepted:
            return False
    return True


class CredentialIndex:
    """The snapshot's credentials by person and (type, scope key), and who holds what."""

    def __init__(self, credentials: Iterable[Credential]):
        self.held: dict[str, dict[tuple[str, str | None], Credential]] = {}  # person -> (type, scope)
        self.holders: dict[tuple[str, str | None], set[str]] = defaultdict(set)
        for cred in credentials:
            mine = self.held.get(cred.person)
            if mine is None:
                mine = self.held[cred.person] = {}
            key = (cred.type, cred.scope)
            old = mine.get(key)
            if old is not None and (old.version, old.expires) > (cred.version, cred.expires):
                continue  # a snapshot should hold one version per credential; keep the newest
            mine[key] = cred
            self.holders[key].add(cred.person)

    def all(self) -> Iterator[Credential]:
        for mine in self.held.values():
            yield from mine.values()


@dataclass(frozen=True)
class Rule:
    """A requirement as it applies at one facility: scope keys resolved for each accepted type."""

    n: int  # unique within a Rulebook, for caches
    req: Requirement
    keys: tuple[tuple[str, str | None], ...]  # (type, scope key) per accepted type; () for a rule kind
    scope_kinds: tuple[str, ...]  # person | state | facility, per accepted type
    grace: tuple[int, ...]  # the type's grace_days, per accepted type
    roles: frozenset[str]  # the case roles it applies to
    when: tuple[tuple[str, frozenset[str]], ...]  # field -> accepted values, casefolded
    same: int = 0  # equal for rules that accept the same credentials in the same way, anywhere


class Rulebook:
    """Each facility's requirements (its state's first, then its own), compiled once."""

    def __init__(self, practice: Practice):
        self.practice = practice
        self._rules: dict[str, tuple[Rule, ...]] = {}
        self._split: dict[str, tuple[tuple[Rule, ...], tuple[Rule, ...], tuple[str, ...]]] = {}
        self._matched: dict[tuple, tuple[Rule, ...]] = {}
        self._count = 0
        self._same: dict[tuple, int] = {}

    def facility(self, facility_id: str, case_id: str = "") -> Facility:
        f = self.practice.facilities.get(facility_id)
        if f is None:
            what = f"case {case_id} names" if case_id else "the name"
            raise NerveCenterError(
                f"{what} facility {facility_id!r}, which is not configured: add "
                f"facilities/{facility_id}.yaml or correct the case's facility")
        return f

    def rules(self, facility_id: str, case_id: str = "") -> tuple[Rule, ...]:
        rules = self._rules.get(facility_id)
        if rules is None:
            f = self.facility(facility_id, case_id)
            state = self.practice.states.get(f.state)
            reqs = (state.requirements if state else ()) + f.requirements
            rules = self._rules[facility_id] = tuple(self._compile(r, f) for r in reqs)
        return rules

    def for_case(self, case: Case) -> tuple[Rule, ...]:
        """The rules that apply to a case: its facility's, with `when` matched against it.

        Cases alike get the very same tuple back, so callers may cache by its identity.
        """
        split = self._split.get(case.facility)
        if split is None:
            rules = self.rules(case.facility, case.id)
            conditional = tuple(r for r in rules if r.req.when)
            fields = tuple(sorted({name for r in conditional for name, _ in r.when}))
            split = self._split[case.facility] = (
                tuple(r for r in rules if not r.req.when), conditional, fields)
        always, conditional, fields = split
        if not conditional:
            return always
        values = tuple(map(case.value, fields))
        found = self._matched.get((case.facility, values))
        if found is None:
            found = self._matched[case.facility, values] = always + tuple(
                r for r in conditional if _when_holds(r.when, case))
        return found

    def scope_kind(self, type_id: str) -> str:
        t = self.practice.credential_types.get(type_id)
        return t.scope if t else "person"

    def grace_days(self, type_id: str) -> int:
        t = self.practice.credential_types.get(type_id)
        return t.grace_days if t else 0

    def _compile(self, req: Requirement, f: Facility) -> Rule:
        keys, kinds = [], []
        for type_id in req.types:
            kind = self.scope_kind(type_id)
            scope = (req.state or f.state) if kind == "state" else (
                (req.facility or f.id) if kind == "facility" else None)
            keys.append((type_id, scope))
            kinds.append(kind)
        self._count += 1
        roles = frozenset(r for r in ("technologist", "reader") if req.applies_to(r))
        content = (tuple(keys), req.max_age_months, req.valid_days_after_case, req.issuers,
                   req.accept_grace, req.verified)
        same = self._same.setdefault(content, len(self._same) + 1)
        return Rule(self._count, req, tuple(keys), tuple(kinds),
                    tuple(self.grace_days(t) for t in req.types), roles, _compile_when(req), same=same)


class Spans:
    """The days on which a person meets a credential requirement, cached, as day numbers
    (`date.toordinal()`): the hot loops compare integers, not dates.

    Cached per person, then per Rule.same: requirements written alike at many facilities (a plain
    `credential: bls`) share one entry.
    """

    def __init__(self, index: CredentialIndex):
        self.index = index
        self._cache: dict[str, dict[int, tuple[tuple[int, int], ...]]] = {}

    def of(self, person: str) -> dict[int, tuple[tuple[int, int], ...]]:
        """The person's cache: Rule.same -> spans (fill it with `compute`)."""
        mine = self._cache.get(person)
        if mine is None:
            mine = self._cache[person] = {}
        return mine

    def compute(self, person: str, rule: Rule) -> tuple[tuple[int, int], ...]:
        held = self.index.held.get(person)
        if not held:
            return ()
        keys = rule.keys
        if len(keys) == 1:  # the usual requirement: one accepted type
            cred = held.get(keys[0])
            span = None if cred is None else valid_days(cred, rule.req, rule.grace[0])
            return () if span is None else (span,)
        found = []
        for key, grace in zip(keys, rule.grace):
            cred = held.get(key)
            if cred is not None:
                span = valid_days(cred, rule.req, grace)
                if span is not None:
                    found.append(span)
        return tuple(found)
