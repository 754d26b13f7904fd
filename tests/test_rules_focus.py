"""A question about a few days reads only what they can see, and answers as the whole does.

Random practices (those of test_rules_plain) are written to a real database, with case times in
zones far apart, cases up to the longest allowed, and each facility's zone changed after some were
written; the clearances (outcomes, problems, backups) of random windows, and of single cases, from a
snapshot narrowed to their Focus must equal the same cases out of the evaluation of the whole
snapshot.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import examples
from kit.rules import case, cred, facility, person, practice, req, snapshot
from sqlalchemy import delete, insert
from test_rules_plain import HORIZON, ON, worlds

from nervecenter.core.limits import MAX_CASE_HOURS
from nervecenter.core.model import Case, credential_id
from nervecenter.rules import evaluate
from nervecenter.rules.evaluate import focus
from nervecenter.rules.schedule import case_day
from nervecenter.store import db, migrations, tables
from nervecenter.store.store import Store

# the earliest and the latest offsets there are, and two in between
ZONES = ["America/Chicago", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]
TABLES = [tables.exclusion_matches, tables.screenings, tables.cases, tables.credentials,
          tables.people]
WHOLE = {"start": ON - timedelta(days=10), "end": ON + timedelta(days=HORIZON + 10)}


@st.composite
def stored_worlds(draw):
    """A world, its cases of any length up to the limit, and per facility the zone its cases were
    written in and the zone it has now."""
    p, snap = draw(worlds())
    cases = tuple(replace(c, end=None if hours is None else c.start + timedelta(hours=hours))
                  for c in snap.cases
                  for hours in [draw(st.sampled_from([None, 1, 5, 12, MAX_CASE_HOURS]))])
    zones = {f: (draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES)))
             for f in p.facilities}
    return p, replace(snap, cases=cases), zones


def write(engine, snap, written_in) -> None:
    """The snapshot's rows, as an import leaves them (each case in its facility's zone then)."""
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(delete(table))
        conn.execute(insert(tables.people), [
            {"id": p.id, "name": p.name, "role": p.role, "notify": [],
             "left": p.left.isoformat() if p.left else None} for p in snap.people.values()])
        rows = [
            {"credential_id": credential_id(c.person, c.type, c.scope), "person": c.person,
             "type": c.type, "scope": c.scope, "version": c.version, "issuer": c.issuer,
             "issued": c.issued, "expires": c.expires, "status": c.status,
             "verified_on": c.verified.on if c.verified else None,
             "verified_by": c.verified.by if c.verified else None, "documents": [],
             "valid_from": date(2000, 1, 1), "recorded_at": "2026-01-01T00:00:00",
             "recorded_by": "test"} for c in snap.credentials]
        if rows:
            conn.execute(insert(tables.credentials), rows)
        conn.execute(insert(tables.cases), [
            {"id": c.id, "facility": c.facility, "procedure": c.procedure,
             "start": c.start.astimezone(ZoneInfo(written_in[c.facility])).isoformat(),
             "end": c.end.astimezone(ZoneInfo(written_in[c.facility])).isoformat() if c.end else None,
             "technologist": c.technologist, "reader": c.reader, "fields": {}}
            for c in snap.cases])
        if snap.exclusions:
            conn.execute(insert(tables.screenings).values(
                id=1, on=ON, files=[], people=0, matches=0, recorded_at="", recorded_by=""))
            conn.execute(insert(tables.exclusion_matches), [
                {"screening": 1, "person": x.person, "list": x.list, "matched_by": "npi",
                 "decision": "confirmed", "kind": x.kind, "since": x.since, "until": x.until,
                 "row": 1, "entry": {}} for x in snap.exclusions])


@pytest.fixture
def engine(database_url):
    engine = db.create(database_url)
    migrations.ensure_current(engine)
    yield engine
    engine.dispose()


@settings(max_examples=examples(60, 300), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored_worlds(), st.integers(0, 3), st.data())
def test_a_window_read_narrowly_answers_as_the_whole_snapshot(engine, world, length, data):
    p, snap, zones = world
    write(engine, snap, {f: written for f, (written, _) in zones.items()})
    store = Store(engine, None, "America/Chicago", {f: now for f, (_, now) in zones.items()})
    whole = store.snapshot(ON)
    full = evaluate(p, whole, ON, due=False, conflicts=False, **WHOLE)
    # mostly a window from a day with cases: the edges of the neighbourhood are what is tested
    start = data.draw(st.sampled_from(sorted({case_day(c) for c in whole.cases}))
                      | st.integers(-3, HORIZON + 3).map(lambda n: ON + timedelta(days=n)))
    end = start + timedelta(days=length)
    shown = [c for c in full.clearances if start <= case_day(c.case) <= end]
    one = data.draw(st.sampled_from([None, *(c.case.id for c in shown)]))

    narrowed = store.snapshot(ON, focus(p, start, end, one))
    assert len(narrowed.cases) <= len(whole.cases)
    got = evaluate(p, narrowed, ON, start=start, end=end, case=one, due=False, conflicts=False)
    assert got.clearances == tuple(c for c in shown if one in (None, c.case.id))
    with pytest.raises(ValueError):
        evaluate(p, narrowed, ON, start=start, end=end, case=one)  # due dates need the whole


def test_a_question_about_one_day_reads_only_its_neighbourhood(engine):
    """The cases a day cannot see and the credentials its rules cannot use are not read."""
    p = practice(facility("ochsner", reqs=[req(credential="bls"),
                                           req(credential="facility_privileges")]),
                 facility("tulane", reqs=[req(credential="cnim")]))
    snap = snapshot([person("t-price", "Ann Price"), person("t-lee", "Bo Lee")],
                    [cred("t-price", "bls", "2027-12-31"), cred("t-lee", "cnim", "2027-12-31"),
                     cred("t-price", "facility_privileges", "2027-12-31", scope="ochsner"),
                     cred("t-price", "facility_privileges", "2027-12-31", scope="tulane")],
                    [case("C-1", "2026-12-02T08:00"), case("C-2", "2026-12-20T08:00"),
                     case("C-3", "2026-12-02T09:00", tech="t-lee", facility="tulane")])
    chicago = "America/Chicago"
    write(engine, snap, {"ochsner": chicago, "tulane": chicago})
    store = Store(engine, None, "America/Chicago", {"ochsner": chicago, "tulane": chicago})
    day = date(2026, 12, 2)
    narrowed = store.snapshot(ON, focus(p, day, day, "C-1"))
    assert [c.id for c in narrowed.cases] == ["C-1", "C-3"]
    assert sorted((c.type, c.scope) for c in narrowed.credentials) == [
        ("bls", None), ("facility_privileges", "ochsner")]
    assert store.case("C-2").start.date() == date(2026, 12, 20)
    assert store.case("C-9") is None


@pytest.mark.parametrize("seen", ["3 days later", "3 days earlier"])
def test_the_farthest_neighbour_a_day_can_see_is_read(engine, seen):
    """The extreme the neighbourhood is sized for: a case of the longest length, at a facility in
    the latest zone (UTC-11), overlapped by the reader's case at one in the earliest (UTC+14),
    whose start is written on the third day after (or before) the first's day."""
    d = date(2026, 12, 10)

    def at(day, hh, mm):
        return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo("UTC"))

    if seen == "3 days later":  # A: pago D 23:30 for 24 h; B starts at kiri D+3 00:15
        a = ("pago", at(d + timedelta(1), 10, 30))
        b = ("kiri", at(d + timedelta(2), 10, 15))
    else:  # A: kiri D 00:30; B: pago D-3 23:45 for 24 h
        a = ("kiri", at(d - timedelta(1), 10, 30))
        b = ("pago", at(d - timedelta(2), 10, 45))
    rule = req(rule="concurrent_cases", role="reader", params={"max": 1})
    p = practice(facility("pago", reqs=[rule]), facility("kiri", reqs=[rule]))
    cases = [Case(id=cid, facility=f, start=start, end=start + timedelta(hours=MAX_CASE_HOURS),
                  procedure="spine", technologist=None, reader="r-gray")
             for cid, (f, start) in (("A", a), ("B", b))]
    zones = {"pago": "Pacific/Pago_Pago", "kiri": "Pacific/Kiritimati"}
    write(engine, snapshot([person("r-gray", "Kay Gray", "reader")], [], cases), zones)
    store = Store(engine, None, "America/Chicago", zones)
    got = evaluate(p, store.snapshot(ON, focus(p, d, d)), ON, start=d, end=d, due=False,
                   conflicts=False)
    assert [c.case.id for c in got.clearances] == ["A"]
    assert [x.reason for x in got.clearances[0].problems] == ["limit_exceeded"]


def test_the_workspace_never_answers_a_whole_question_from_a_narrowed_snapshot(example):
    """`cases --from D --to D` and `cases --case ID` read narrowly; what needs the whole snapshot
    (the horizon, due dates, the snapshot itself) still gets it, with the same clearances."""
    from nervecenter.service.workspace import open_workspace

    on, day = date(2026, 12, 2), date(2026, 12, 3)
    ws = open_workspace(example)
    narrow = ws.evaluate(on, start=day, end=day, due=False, conflicts=False)
    one = narrow.clearances[-1].case.id
    single = ws.evaluate(on, case=one, due=False, conflicts=False)
    assert [c.case.id for c in single.clearances] == [one]
    whole = ws.snapshot(on)
    assert whole.focus is None and len(whole.cases) > len(narrow.clearances)
    full = ws.evaluate(on, sync=False)
    assert full.due_dates and full.clearances
    assert [c for c in full.clearances if c.case.start.date() == day] == list(narrow.clearances)
    assert single.clearances == tuple(c for c in narrow.clearances if c.case.id == one)
