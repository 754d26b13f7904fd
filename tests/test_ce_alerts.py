"""CE that alerts: shortfalls of a credential's hours (after the category limits) at 12, 6 and
3 months before its cycle's end, worked out by hand; planned once per stage, to the person, and
to the managers too at the last stage."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from nervecenter.alerts.planning import History, Silence, plan
from nervecenter.core.model import (
    CEEntry,
    Channel,
    ContinuingEducation,
    Credential,
    CredentialType,
    Manager,
    Person,
    Practice,
    Snapshot,
)
from nervecenter.rules import evaluate
from nervecenter.rules.ce import shortfalls

CNIM = CredentialType("cnim", "CNIM", continuing_education=ContinuingEducation(
    50, 60, {"article": 0.5, "in_house/*": 0.5}))
QUARTERLY = CredentialType("r_ep_t", "R. EP T.", continuing_education=ContinuingEducation(
    30, 60, {}, alert_months=(9, 1)))
DANA = Manager("dana", "Dana Lee", (Channel("mailto://dana@example.org"),))
PRACTICE = Practice("Bayou", "America/Chicago", Path("."), "sqlite://", managers=(DANA,),
                    credential_types={"cnim": CNIM, "r_ep_t": QUARTERLY})
LEE = Person("t-lee", "Terry Lee", "technologist", notify=(Channel("mailto://lee@example.org"),))
CYCLE_END = date(2027, 12, 31)
CRED = Credential("t-lee", "cnim", CYCLE_END, issued=date(2022, 12, 1))
ENTRIES = (
    CEEntry("t-lee", "cnim", date(2023, 3, 1), 20, "article"),         # 20 earned, 20 count
    CEEntry("t-lee", "cnim", date(2024, 3, 1), 10, "article"),         # 30 earned, 25 count
    CEEntry("t-lee", "cnim", date(2024, 5, 1), 12, "in_house/journal_club"),
    CEEntry("t-lee", "cnim", date(2022, 12, 31), 40, "conference"),    # before the cycle
)


def snap(*entries, creds=(CRED,)) -> Snapshot:
    return Snapshot({"t-lee": LEE}, tuple(creds), ce=tuple(entries))


def test_no_shortfall_13_months_before_the_cycles_end():
    # the case: 0 of 50 h with 13 months left is not yet a stage
    assert shortfalls(PRACTICE, snap(), date(2026, 11, 30)) == ()


def test_the_stage_is_the_smallest_the_cycles_end_falls_within():
    stages = {day: [s.stage for s in shortfalls(PRACTICE, snap(*ENTRIES), day)]
              for day in (date(2026, 12, 30), date(2026, 12, 31), date(2027, 6, 30),
                          date(2027, 7, 1), date(2027, 10, 1), date(2027, 12, 31),
                          date(2028, 1, 1))}
    # 12 months after 2026-12-31 is the cycle's end; after 2027-06-30 only 2027-12-30
    assert stages == {date(2026, 12, 30): [], date(2026, 12, 31): [12], date(2027, 6, 30): [12],
                      date(2027, 7, 1): [6], date(2027, 10, 1): [3], date(2027, 12, 31): [3],
                      date(2028, 1, 1): []}  # lapsed: the lapsed alert's business


def test_hours_count_after_the_limits_and_the_room_left_is_named():
    [s] = shortfalls(PRACTICE, snap(*ENTRIES), date(2027, 1, 15))
    # 25 of 30 article h + 12 in-house journal club = 37 of 50: 13 h still needed; the 1-year-old
    # conference hours fall before the cycle (2023-01-01 .. 2027-12-31)
    assert (s.counted, s.missing, s.stage, s.last_stage) == (37, 13, 12, False)
    assert s.room == {"article": 0.0, "in_house/*": 25.0}
    assert s.needs("CNIM") == ("13 CE hours still needed for CNIM by 2027-12-31 (37 of 50 h count; "
                               "article: at most 0 h more; each in_house format: up to 25 h)")


def test_enough_hours_or_a_submitted_renewal_alert_nothing():
    enough = (*ENTRIES, CEEntry("t-lee", "cnim", date(2025, 1, 1), 13, "conference"))
    assert shortfalls(PRACTICE, snap(*enough), date(2027, 10, 1)) == ()
    submitted = Credential("t-lee", "cnim", CYCLE_END, status="renewal_submitted")
    assert shortfalls(PRACTICE, snap(creds=(submitted,)), date(2027, 10, 1)) == ()


def test_stages_are_configurable_per_type():
    cred = Credential("t-lee", "r_ep_t", CYCLE_END)
    found = {day: [s.stage for s in shortfalls(PRACTICE, snap(creds=(cred,)), day)]
             for day in (date(2026, 12, 31), date(2027, 3, 31), date(2027, 12, 1))}
    assert found == {date(2026, 12, 31): [], date(2027, 3, 31): [9], date(2027, 12, 1): [1]}


def test_planned_once_per_stage_to_the_person_then_the_managers_at_the_last():
    history, sent = History(), []
    day = date(2026, 12, 1)
    while day <= CYCLE_END:
        s = snap(*ENTRIES)
        for a in plan(PRACTICE, s, evaluate(PRACTICE, s, day, conflicts=False), history):
            history.add(a)
            if a.kind == "ce_shortfall":
                sent.append((day.isoformat(), a.key, a.recipients))
        day += timedelta(days=7)
    assert sent == [
        ("2027-01-05", "ce_shortfall:t-lee:cnim:2027-12-31:12", ("t-lee",)),
        ("2027-07-06", "ce_shortfall:t-lee:cnim:2027-12-31:6", ("t-lee",)),
        ("2027-10-05", "ce_shortfall:t-lee:cnim:2027-12-31:3", ("t-lee", "dana"))]
    [a] = [a for a in plan(PRACTICE, snap(*ENTRIES),
                           evaluate(PRACTICE, snap(*ENTRIES), date(2027, 10, 5)), History())
           if a.kind == "ce_shortfall"]
    assert a.message.title == "Terry Lee: 13 CE hours still needed for CNIM"


def test_a_silence_holds_the_shortfall_alert():
    s = snap(*ENTRIES)
    quiet = Silence(date(2027, 1, 31), "t-lee", None, None, "on leave", "cli:dana")
    alerts = plan(PRACTICE, s, evaluate(PRACTICE, s, date(2027, 1, 4)), History(),
                  silences=[quiet])
    assert [a for a in alerts if a.kind == "ce_shortfall"] == []
