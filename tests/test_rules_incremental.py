"""The evaluation of a later day from an earlier one of the same data (the daemon's next tick, the
day's run after yesterday's): a case's clearance never depends on the as-of date, so the later
day takes over the clearances of the days both horizons share and clears only the days that
entered the horizon; due dates, conflicts and CE shortfalls are computed as of the later day.
The result, as the `cases`, `status` and `conflicts` JSON write it, is byte for byte the one
computed from scratch; and whatever may break the premise (changed data or configuration, a
credential version taking effect between the days, a rule kind that may read the date, a gap
beyond the horizon) takes the full path.

Whether the clearances were taken over is seen from the objects: taken over, they are the
earlier evaluation's own; computed, they are new.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import examples
from kit.practice import copy_example
from sqlalchemy import insert
from test_rules_focus import stored_worlds, write
from test_rules_plain import HORIZON, ON, worlds

from nervecenter import hookimpl
from nervecenter.core import plugins
from nervecenter.core.model import RuleKind, credential_id
from nervecenter.data import report
from nervecenter.rules import evaluate
from nervecenter.rules.evaluate import carries_over
from nervecenter.rules.schedule import case_day
from nervecenter.service import actions
from nervecenter.service.workspace import Workspace, open_workspace
from nervecenter.store import db, migrations, tables
from nervecenter.store.store import Store

DAY = date(2026, 12, 1)  # the example practice's day (its horizon: 30 days)


def whole(day):
    """The workspace's key of the day's whole evaluation."""
    return (day, None, None, None, True, True, True)


def as_json(ev) -> str:
    """The evaluation as the commands write it: `cases`, `status` (every due date) and
    `conflicts` JSON."""
    return "\n".join(report.to_json(doc) for doc in (
        report.cases_json(ev), report.status_json(ev, within=10**6), report.conflicts_json(ev)))


def taken_over(ev, since) -> int:
    """How many of `ev`'s clearances are `since`'s own objects."""
    mine = {id(c) for c in since.clearances}
    return sum(id(c) in mine for c in ev.clearances)


def date_free(p):
    """The practice with its rule kinds declared not to read the date (the kit's plugin kind
    does not, but says nothing, as a third party's would)."""
    return replace(p, rule_kinds={k: replace(v, reads_date=False)
                                  for k, v in p.rule_kinds.items()})


# ---------------------------------------------------------------- the engine


@settings(max_examples=examples(60, 300), deadline=None)
@given(worlds(), st.integers(-HORIZON - 5, HORIZON + 5), st.integers(0, HORIZON),
       st.integers(1, 3 * HORIZON))
def test_a_cases_clearance_does_not_depend_on_the_as_of_date(world, first, length, later):
    """The premise: the clearances (outcome, problems and their sentences, backups) of any cases
    are the same as of any two days, whatever rule kinds are in use."""
    p, snap = world
    start = ON + timedelta(days=first)
    window = {"start": start, "end": start + timedelta(days=length), "due": False,
              "conflicts": False}
    then = evaluate(p, snap, ON, **window)
    assert evaluate(p, snap, ON + timedelta(days=later), **window).clearances == then.clearances
    assert evaluate(p, snap, ON - timedelta(days=later), **window).clearances == then.clearances


@settings(max_examples=examples(60, 300), deadline=None)
@given(worlds(), st.integers(-HORIZON, HORIZON), st.integers(1, HORIZON))
def test_a_later_day_from_an_earlier_ones_evaluation_is_the_whole_evaluation(world, shift, gap):
    p, snap = world
    p = date_free(p)
    before = ON + timedelta(days=shift)
    on = before + timedelta(days=gap)
    since = evaluate(p, snap, before)
    got = evaluate(p, snap, on, since=since)
    full = evaluate(p, snap, on)
    assert as_json(got) == as_json(full)
    assert got == full  # the fields JSON leaves out too (enforcement, credential ids)
    shared = [c for c in full.clearances if case_day(c.case) <= before + timedelta(HORIZON)]
    assert taken_over(got, since) == len(shared)


@settings(max_examples=examples(20, 100), deadline=None)
@given(worlds(), st.integers(1, HORIZON))
def test_what_may_break_the_premise_takes_the_full_path(world, gap):
    p, snap = world
    free = date_free(p)
    on = ON + timedelta(days=gap)
    since = evaluate(free, snap, ON)
    full = evaluate(free, snap, on)
    cases = [c for c in since.clearances if case_day(c.case) >= on]
    # a rule kind in use that may read the date (the kit's `cases_per_day` says nothing)
    dated = replace(free, rule_kinds={**free.rule_kinds,
                                      "cases_per_day": p.rule_kinds["cases_per_day"]})
    uses_it = any(r.rule == "cases_per_day" for f in p.facilities.values()
                  for r in f.requirements) or any(r.rule == "cases_per_day"
                                                  for s in p.states.values()
                                                  for r in s.requirements)
    assert carries_over(dated, ON, on) is not uses_it
    if uses_it:
        assert taken_over(evaluate(dated, snap, on, since=since), since) == 0
    # a gap beyond the horizon; an earlier day given as later; another question
    beyond = ON + timedelta(days=HORIZON + gap)
    assert not carries_over(free, ON, beyond) and not carries_over(free, on, ON)
    assert taken_over(evaluate(free, snap, beyond, since=since), since) == 0
    window = evaluate(free, snap, on, end=on + timedelta(days=3), since=since)
    assert taken_over(window, since) == 0
    # an evaluation of other objects (another snapshot read of the same data)
    copied = replace(snap, cases=tuple(replace(c) for c in snap.cases))
    got = evaluate(free, copied, on, since=since)
    assert taken_over(got, since) == 0 and as_json(got) == as_json(full)
    assert len(cases) == 0 or taken_over(evaluate(free, snap, on, since=since), since) > 0


# ---------------------------------------------------------------- the workspace, both databases


@pytest.fixture
def engine(database_url):
    engine = db.create(database_url)
    migrations.ensure_current(engine)
    yield engine
    engine.dispose()


def _add_version(engine, cred, valid_from: date) -> None:
    """A renewal of `cred` that takes effect on `valid_from` (its expiry a year later)."""
    with engine.begin() as conn:
        conn.execute(insert(tables.credentials), [{
            "credential_id": credential_id(cred.person, cred.type, cred.scope),
            "person": cred.person, "type": cred.type, "scope": cred.scope,
            "version": cred.version + 1, "issuer": cred.issuer, "issued": valid_from,
            "expires": cred.expires + timedelta(days=365), "status": "active",
            "verified_on": None, "verified_by": None, "documents": [],
            "valid_from": valid_from, "recorded_at": "2026-01-01T00:00:00",
            "recorded_by": "test"}])


@settings(max_examples=examples(25, 150), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored_worlds(), st.integers(-HORIZON, HORIZON), st.integers(1, 2 * HORIZON), st.data())
def test_the_workspace_evaluates_a_later_day_from_the_one_it_holds(engine, world, shift, gap,
                                                                  data):
    """Random practices in a real database: a workspace that evaluated one day evaluates a
    later one (the daemon's next tick) as a new workspace computes it, byte for byte; from
    what it holds when the gap is within the horizon and no credential version takes effect
    between the days, from scratch otherwise."""
    p, snap, zones = world
    p = date_free(p)
    write(engine, snap, {f: written for f, (written, _) in zones.items()})
    before = ON + timedelta(days=shift)
    on = before + timedelta(days=gap)
    renewed = None
    if snap.credentials and data.draw(st.booleans()):
        renewed = before + timedelta(days=data.draw(st.integers(-3, gap + 3)))
        _add_version(engine, data.draw(st.sampled_from(snap.credentials)), renewed)

    def workspace():
        return Workspace(p, Store(engine, None, "America/Chicago",
                                  {f: now for f, (_, now) in zones.items()}))

    ws = workspace()
    since = ws.evaluate(before, sync=False)
    got = ws.evaluate(on, sync=False)
    full = workspace().evaluate(on, sync=False)
    assert as_json(got) == as_json(full) and got == full
    same = not (renewed is not None and before < renewed <= on)  # the same snapshot
    shared = [c for c in full.clearances if case_day(c.case) <= before + timedelta(HORIZON)]
    assert taken_over(got, since) == (len(shared) if same and gap <= HORIZON else 0)
    assert (ws.snapshot(on) is ws.snapshot(before)) is same


@pytest.fixture
def example_ws(database_url, tmp_path, monkeypatch):
    """The example practice on the test's database, and a function opening a workspace on it
    (as a new process would)."""
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    config = copy_example(tmp_path / "example")
    opened = []

    def open_():
        ws = open_workspace(config, database_url)
        opened.append(ws)
        return ws

    yield config, open_
    for ws in opened:
        ws.close()
        ws.store.engine.dispose()


def test_the_daemons_next_tick_takes_over_yesterdays_clearances(example_ws):
    _, open_ = example_ws
    ws = open_()
    since = ws.evaluate(DAY)
    for gap in (1, 2, 29, 30):
        ws.snapshot(DAY + timedelta(days=gap))  # the daemon's retries read it before its tick
        got = ws.evaluate(DAY + timedelta(days=gap))
        assert as_json(got) == as_json(open_().evaluate(DAY + timedelta(days=gap)))
        assert taken_over(got, since) == sum(case_day(c.case) <= DAY + timedelta(30)
                                             for c in got.clearances)
        assert ws.snapshot(DAY + timedelta(days=gap)) is ws.snapshot(DAY)
    assert taken_over(ws.evaluate(DAY + timedelta(days=1)), since) > 0
    # a day later than the horizon of every day held: computed
    ws = open_()
    since = ws.evaluate(DAY)
    far = ws.evaluate(DAY + timedelta(days=31))
    assert taken_over(far, since) == 0
    assert as_json(far) == as_json(open_().evaluate(DAY + timedelta(days=31)))


def test_a_change_of_the_data_since_takes_the_full_path(example_ws):
    _, open_ = example_ws
    ws = open_()
    since = ws.evaluate(DAY)
    actions.renew(ws, "cli:dana", "t-price", "bls", issued=DAY, expires=date(2029, 1, 31))
    got = ws.evaluate(DAY + timedelta(days=1))
    assert taken_over(got, since) == 0
    assert as_json(got) == as_json(open_().evaluate(DAY + timedelta(days=1)))


def test_a_new_process_steps_yesterdays_shelved_evaluation_of_the_same_configuration(
        example_ws):
    """The day's run after yesterday's: yesterday's evaluation is loaded from the shelf and
    stepped, unless the configuration changed since."""
    config, open_ = example_ws
    open_().evaluate(DAY)  # yesterday's run: on the shelf
    ws = open_()
    got = ws.evaluate(DAY + timedelta(days=1))
    loaded = ws._evaluations.get(whole(DAY))  # the shelf's, taken by the workspace
    assert loaded is not None and taken_over(got, loaded) > 0
    assert as_json(got) == as_json(open_().evaluate(DAY + timedelta(days=1), sync=False))
    practice_yaml = config / "practice.yaml"
    practice_yaml.write_text(practice_yaml.read_text() + "\n# edited\n")
    edited = open_()
    got = edited.evaluate(DAY + timedelta(days=2))
    assert whole(DAY) not in edited._evaluations  # another configuration's: not loaded
    assert as_json(got) == as_json(open_().evaluate(DAY + timedelta(days=2), sync=False))


class _CasesPerDay:
    """A third party's rule kind, date-free in fact; `reads_date` as the plugin declares it."""

    def __init__(self, reads_date: bool):
        self.reads_date = reads_date

    @hookimpl
    def register_rule_kinds(self, register):
        def check(requirement, case, person, schedule):
            count = schedule.count_on(person, case.start.date())
            return [] if count <= requirement.params["max"] else [
                ("limit_exceeded", f"has {count} cases that day")]

        register(RuleKind(id="day_limit", description="At most `max` cases a day.",
                          params_schema={"type": "object", "required": ["max"],
                                         "properties": {"max": {"type": "integer"}}},
                          check=check, reach_days=0,
                          reads_date=self.reads_date))


@pytest.mark.parametrize("reads_date", [True, False])
def test_a_plugins_rule_kind_in_use_takes_the_full_path_unless_it_says_it_reads_no_date(
        database_url, tmp_path, monkeypatch, reads_date):
    monkeypatch.delenv("NERVECENTER_DATABASE_URL", raising=False)
    plugins.reset()
    try:
        plugins.add_plugin(_CasesPerDay(reads_date), "per-day", package="per-day")
        config = copy_example(tmp_path / "example", facilities={"ochsner-main": {
            "requirements": [{"rule": "day_limit", "role": "technologist", "max": 1}]}})
        ws = open_workspace(config, database_url)
        since = ws.evaluate(DAY)
        got = ws.evaluate(DAY + timedelta(days=1))
        fresh = open_workspace(config, database_url)
        assert as_json(got) == as_json(fresh.evaluate(DAY + timedelta(days=1), sync=False))
        assert (taken_over(got, since) > 0) is not reads_date
        for w in (ws, fresh):
            w.close()
            w.store.engine.dispose()
    finally:
        plugins.reset()
