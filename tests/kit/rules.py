"""The practice as plain objects, for the pure rules tests (no files, no database): a practice,
people, credentials and cases in a few lines. Tests that need files on disk use kit.practice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nervecenter.plugins.rule_kinds.concurrency import CONCURRENT_CASES

from nervecenter.core.model import (
    AlertPolicy,
    Case,
    Credential,
    CredentialType,
    Facility,
    Person,
    Practice,
    Requirement,
    RuleKind,
    Snapshot,
    StateRules,
    Verification,
)

CHICAGO = ZoneInfo("America/Chicago")

TYPES = {t.id: t for t in (
    CredentialType("cnim", "CNIM", issuer="ABRET", grace_days=31, holders=("technologist",)),
    CredentialType("d_abnm", "D.ABNM", issuer="ABNM", holders=("reader",)),
    CredentialType("cltm", "CLTM", issuer="ABRET", grace_days=31),
    CredentialType("bls", "BLS Provider", issuer="AHA"),
    CredentialType("acls", "ACLS Provider", issuer="AHA", stages=(60, 14, 0)),
    CredentialType("state_license", "State licence", scope="state"),
    CredentialType("facility_privileges", "Facility privileges", scope="facility"),
    CredentialType("dea", "DEA registration", scope="state"),
)}


def check_cases_per_day(requirement, case, person, schedule):
    """A plugin's rule kind as a third party would write it: at most `max` cases a day, this one
    included (a backup candidate not yet on the case would take it on top of their others)."""
    day = case.start.date()
    count = schedule.count_on(person, day) + (person not in (case.technologist, case.reader))
    if count <= requirement.params["max"]:
        return []
    return [("limit_exceeded", (f"would have {count} cases on {day}, more than "
                                f"{requirement.params['max']}"))]


CASES_PER_DAY = RuleKind(id="cases_per_day", description="At most `max` cases a day.",
                         params_schema={"type": "object"}, check=check_cases_per_day,
                         plugin="kit.rules", reach_days=0)


def req(source: str = "facility:ochsner", **kw) -> Requirement:
    if "when" in kw:
        kw["when"] = {k: tuple(v) if isinstance(v, (list, tuple)) else (v,)
                      for k, v in kw["when"].items()}
    for key in ("any_of", "issuers"):
        if key in kw:
            kw[key] = tuple(kw[key])
    return Requirement(source=source, **kw)


def facility(id="ochsner", name="Ochsner Medical Center", state="LA", reqs=(),
             enforcement="block") -> Facility:
    reqs = tuple(r if r.source == f"facility:{id}" else _resource(r, f"facility:{id}") for r in reqs)
    return Facility(id=id, name=name, state=state, timezone="America/Chicago",
                    enforcement=enforcement, requirements=reqs)


def _resource(r: Requirement, source: str) -> Requirement:
    return replace(r, source=source)


def practice(*facilities: Facility, states=(), horizon=30, stages=(90, 60, 30, 7, 0)) -> Practice:
    return Practice(
        name="Bayou Neuromonitoring", timezone="America/Chicago", config_dir=Path("."),
        database="sqlite://", alerts=AlertPolicy(stages=stages, case_horizon_days=horizon),
        credential_types=dict(TYPES), facilities={f.id: f for f in facilities},
        states={s.state: s for s in states},
        rule_kinds={"concurrent_cases": CONCURRENT_CASES, "cases_per_day": CASES_PER_DAY})


def state(code: str, *reqs: Requirement) -> StateRules:
    return StateRules(state=code, requirements=tuple(_resource(r, f"state:{code}") for r in reqs))


def person(id: str, name: str, role: str = "technologist") -> Person:
    return Person(id=id, name=name, role=role)


def cred(person: str, type: str, expires: str, issued: str | None = None, scope=None,
         issuer=None, status="active", verified_on: str | None = None, version=1) -> Credential:
    return Credential(person=person, type=type, expires=date.fromisoformat(expires), scope=scope,
                      issued=date.fromisoformat(issued) if issued else None, issuer=issuer,
                      status=status, version=version,
                      verified=Verification(date.fromisoformat(verified_on), "dana")
                      if verified_on else None)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


def case(id: str, start: str, tech: str | None = "t-price", reader: str | None = None,
         facility: str = "ochsner", end: str | None = None, procedure: str | None = "spine",
         **fields) -> Case:
    return Case(id=id, facility=facility, start=at(start), end=at(end) if end else None,
                procedure=procedure, technologist=tech, reader=reader, fields=fields)


def snapshot(people, credentials, cases=()) -> Snapshot:
    return Snapshot(people={p.id: p for p in people}, credentials=tuple(credentials),
                    cases=tuple(cases))
