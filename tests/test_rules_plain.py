"""The engine's fast paths agree with the plain per-day check.

The evaluation answers from caches: each person's valid days per requirement as spans of day
numbers, a plan's days per person, backup candidates from the holders of the rarest credential,
the schedule's bisections. Here the same questions are answered the slow, obvious way, straight
from docs/rules.md: every requirement of the case's facility asked of every person on the case
with `failure` on the case's day, every person of the role tried as a backup in the documented
order, overlaps found by scanning every case. Random practices must get the same answers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from kit.rules import CHICAGO, case, cred, facility, person, practice, req, snapshot, state

from nervecenter.core.model import Exclusion
from nervecenter.rules import evaluate
from nervecenter.rules.explain import Explainer
from nervecenter.rules.matching import failure
from nervecenter.rules.schedule import case_end

ON = date(2026, 12, 1)
HORIZON = 30
MAX_BACKUPS = 3

# Requirements of every shape the engine compiles differently: one type or several, grace,
# dates limits, issuers, verification, scopes, `when`, roles, rule kinds, enforcement.
REQUIREMENTS = [
    req(credential="bls"),
    req(credential="bls", max_age_months=12),
    req(credential="bls", issuers=["AHA"]),
    req(any_of=["cnim", "cltm"], accept_grace=True),
    req(any_of=["cnim", "cltm"]),
    req(credential="cnim", role="technologist"),
    req(credential="acls", when={"procedure": ["cranial", "vascular"]}),
    req(credential="state_license", role="reader", valid_days_after_case=30),
    req(credential="state_license", role="reader", verified=True),
    req(credential="facility_privileges", role="any"),
    req(credential="d_abnm", role="reader", enforcement="warn"),
    req(rule="concurrent_cases", role="reader", params={"max": 1}),
    req(rule="cases_per_day", role="technologist", params={"max": 2}),
]
TYPES = ["bls", "cnim", "cltm", "acls", "state_license", "facility_privileges", "d_abnm"]
TECHS = [f"t-{n}" for n in "abcdefgh"]
READERS = [f"r-{n}" for n in "abcd"]
FACILITIES = [("ochsner", "LA"), ("tulane", "LA"), ("methodist", "TX")]
days = st.integers(-400, 400).map(lambda n: ON + timedelta(days=n))


@st.composite
def practices(draw):
    facilities = []
    for fid, code in FACILITIES:
        reqs = draw(st.lists(st.sampled_from(REQUIREMENTS), max_size=6, unique_by=id))
        if draw(st.booleans()):  # a facility that warns: configuration resolves it into each
            reqs = [replace(r, enforcement="warn") for r in reqs]
        facilities.append(facility(fid, fid.title(), code, reqs=reqs))
    states = [state("TX", *draw(st.lists(st.sampled_from(REQUIREMENTS[:9]), max_size=2,
                                         unique_by=id)))]
    return practice(*facilities, states=states, horizon=HORIZON)


@st.composite
def credentials(draw, pid):
    out = []
    for type_id in draw(st.lists(st.sampled_from(TYPES), min_size=2, max_size=7, unique=True)):
        scopes = [None]
        if type_id == "state_license":
            scopes = draw(st.lists(st.sampled_from(["LA", "TX"]), min_size=1, unique=True))
        elif type_id == "facility_privileges":
            scopes = draw(st.lists(st.sampled_from([f for f, _ in FACILITIES]), min_size=1,
                                   unique=True))
        for scope in scopes:
            if draw(st.booleans()):  # one that meets every requirement through the horizon
                out.append(cred(pid, type_id, "2027-12-31", "2026-06-01", scope=scope,
                                issuer="AHA", verified_on="2026-06-02"))
                continue
            expires = draw(days)
            issued = draw(st.none() | st.integers(0, 800).map(
                lambda n, e=expires: e - timedelta(days=n)))
            verified = draw(st.none() | days)
            out.append(cred(pid, type_id, expires.isoformat(),
                            issued.isoformat() if issued else None, scope=scope,
                            issuer=draw(st.sampled_from([None, "AHA", "Red Cross"])),
                            status=draw(st.sampled_from(["active", "active", "revoked",
                                                         "renewal_submitted"])),
                            verified_on=verified.isoformat() if verified else None))
    return out


@st.composite
def cases(draw):
    out = []
    for n in range(draw(st.integers(1, 16))):
        # a few busy days, so that people overlap and backups come by cases that day
        day = ON + timedelta(days=draw(st.sampled_from([-1, 0, 2, 3, 3, 3, 3, 3, 4, HORIZON,
                                                        HORIZON + 1])))
        start = datetime.combine(day, time(draw(st.sampled_from([0, 6, 8, 9, 12, 15, 18, 22])),
                                           draw(st.sampled_from([0, 30]))), CHICAGO)
        hours = draw(st.none() | st.integers(1, 5))
        end = (start + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M") if hours else None
        out.append(case(f"C-{n:02}", start.strftime("%Y-%m-%dT%H:%M"),
                        tech=draw(st.sampled_from([*TECHS, None])),
                        reader=draw(st.sampled_from([*READERS, None])),
                        facility=draw(st.sampled_from([f for f, _ in FACILITIES])),
                        end=end, procedure=draw(st.sampled_from(["spine", "cranial"]))))
    return out


@st.composite
def worlds(draw):
    p = draw(practices())
    people = []
    for pid in TECHS + READERS:
        who = person(pid, pid.upper(), "technologist" if pid in TECHS else "reader")
        if draw(st.integers(0, 9)) == 0:
            who = replace(who, left=draw(days))
        people.append(who)
    creds = [c for pid in TECHS + READERS for c in draw(credentials(pid))]
    exclusions = tuple(
        Exclusion(pid, "LEIE", since, draw(st.none() | st.integers(1, 200).map(
            lambda n, s=since: s + timedelta(days=n))))
        for pid in draw(st.lists(st.sampled_from(TECHS + READERS), max_size=2, unique=True))
        for since in [draw(days)])
    snap = replace(snapshot(people, creds, draw(cases())), exclusions=exclusions)
    return p, snap


# ---------------------------------------------------------------- the plain check


def requirements(p, c):
    """The requirements binding a case: its state's, then its facility's; those with a `when`
    matching the case after those without one."""
    f = p.facilities[c.facility]
    reqs = (p.states[f.state].requirements if f.state in p.states else ()) + f.requirements
    return [r for r in reqs if not r.when] + [r for r in reqs if r.when and all(
        c.value(k) is not None and str(c.value(k)).casefold() in {str(v).casefold() for v in vs}
        for k, vs in r.when.items())]


def scope_key(p, c, r, type_id):
    kind = p.credential_types[type_id].scope
    f = p.facilities[c.facility]
    return (r.state or f.state) if kind == "state" else (
        (r.facility or f.id) if kind == "facility" else None)


def credential_reasons(p, snap, c, role, pid):
    """(type, reason, credential id) of each credential requirement the person fails."""
    held = {(x.person, x.type, x.scope): x for x in snap.credentials}
    day = c.start.date()
    out = []
    for r in requirements(p, c):
        if not r.types or not r.applies_to(role):
            continue
        tried = []
        for n, t in enumerate(r.types):
            x = held.get((pid, t, scope_key(p, c, r, t)))
            reason = "missing" if x is None else failure(x, r, day,
                                                         p.credential_types[t].grace_days)
            tried.append(((x is None, reason == "revoked", -x.expires.toordinal() if x else 0,
                           n), t, x, reason))
        if all(reason is not None for *_, reason in tried):
            _, t, x, reason = min(tried, key=lambda e: e[0])
            out.append((r, t, reason, x.id if x else f"{pid}:{t}" + (
                f":{scope_key(p, c, r, t)}" if scope_key(p, c, r, t) else "")))
    return out


def credential_details(p, snap, c):
    """The sentence of each credential problem of the case, in order: the label names the
    candidate explained (all accepted types when none is on file), the alternatives the others."""
    ex = Explainer(p, snap.people)
    held = {(x.person, x.type, x.scope): x for x in snap.credentials}
    out = []
    for role, pid in (("technologist", c.technologist), ("reader", c.reader)):
        who = snap.people.get(pid)
        if not pid or (who is not None and who.gone(c.start.date())):
            continue
        for r, t, reason, _ in credential_reasons(p, snap, c, role, pid):
            labels = [ex.credential(u, p.credential_types[u].scope, scope_key(p, c, r, u))
                      for u in r.types]
            if len(labels) == 1:
                label, others = labels[0], ""
            elif reason == "missing":
                label = others = " or ".join(labels)
            else:
                label = labels[r.types.index(t)]
                others = " or ".join(lb for lb in labels if lb != label)
            out.append(ex.credential_problem(
                reason, pid, label, held.get((pid, t, scope_key(p, c, r, t))), r, c.start.date(),
                p.credential_types[t].grace_days, others))
    return out


def overlaps(snap, pid, c):
    return [o for o in snap.cases if pid in (o.technologist, o.reader) and o.id != c.id
            and o.start < case_end(c) and c.start < case_end(o)]


def rule_kind_problems(p, snap, c, role, pid):
    from nervecenter.rules.schedule import CaseSchedule

    schedule = CaseSchedule(snap.cases)
    return [(r, reason) for r in requirements(p, c) if r.rule and r.applies_to(role)
            for reason, _ in p.rule_kinds[r.rule].check(r, c, pid, schedule) or ()]


def plain_problems(p, snap, c):
    day = c.start.date()
    out = []
    for role, pid in (("technologist", c.technologist), ("reader", c.reader)):
        if not pid:
            continue
        who = snap.people.get(pid)
        if who is not None and who.gone(day):
            out.append((pid, role, None, "inactive", "practice", "block", None))
            continue
        out += [(pid, role, "exclusion_screening", "excluded", "exclusion:LEIE", "block", None)
                for x in snap.exclusions if x.person == pid and x.applies(day)][:1]
        # its credential requirements first, then its rule kinds, each in the order written
        out += [(pid, role, t, reason, r.source, r.enforcement, cid)
                for r, t, reason, cid in credential_reasons(p, snap, c, role, pid)]
        out += [(pid, role, r.rule, reason, r.source, r.enforcement, None)
                for r, reason in rule_kind_problems(p, snap, c, role, pid)]
    return out


def plain_outcome(c, problems):
    if not c.technologist:
        return "unstaffed"
    if any(e == "block" for *_, e, _ in problems):
        return "blocked"
    return "warning" if problems else "cleared"


def plain_backups(p, snap, c, problems):
    day = c.start.date()
    roles = {pr[1] for pr in problems} | (set() if c.technologist else {"technologist"})
    count = {}
    for o in snap.cases:
        if o.start.date() == day:
            for pid in {o.technologist, o.reader} - {None}:
                count[pid] = count.get(pid, 0) + 1
    out = []
    for role in ("technologist", "reader"):
        if role not in roles:
            continue
        ids = sorted(pid for pid, who in snap.people.items() if who.role == role)
        ordered = [i for i in ids if i not in count] + sorted(
            (i for i in ids if i in count), key=lambda i: (count[i], i))
        found = []
        for pid in ordered:
            if pid in (c.technologist, c.reader) or snap.people[pid].gone(day):
                continue
            if any(x.person == pid and x.applies(day) for x in snap.exclusions):
                continue
            if credential_reasons(p, snap, c, role, pid) or overlaps(snap, pid, c):
                continue
            if rule_kind_problems(p, snap, c, role, pid):
                continue
            found.append(pid)
            if len(found) == MAX_BACKUPS:
                break
        out += found
    return tuple(out)


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_clearance_and_backups_agree_with_the_plain_per_day_check(world):
    p, snap = world
    ev = evaluate(p, snap, ON, due=False, conflicts=False)
    window = sorted((c for c in snap.cases if ON <= c.start.date() <= ON + timedelta(HORIZON)),
                    key=lambda c: (c.start, c.id))
    assert [c.case.id for c in ev.clearances] == [c.id for c in window]
    for got, c in zip(ev.clearances, window):
        problems = plain_problems(p, snap, c)
        assert [(x.person, x.role, x.type, x.reason, x.source, x.enforcement, x.credential)
                for x in got.problems] == problems, c.id
        assert [x.detail for x in got.problems if x.type in TYPES] == credential_details(
            p, snap, c), c.id
        assert got.outcome == plain_outcome(c, problems), c.id
        assert got.backups == plain_backups(p, snap, c, problems), c.id
