"""Alert planning from hand-made evaluations: no database, no rules engine, no clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from nervecenter.alerts.planning import History, Silence, plan
from nervecenter.core.model import (
    AlertPolicy,
    Case,
    Channel,
    Credential,
    CredentialType,
    Facility,
    Manager,
    Person,
    Practice,
    Snapshot,
)
from nervecenter.rules.results import Clearance, Conflict, DueDate, Evaluation, Problem

CHI = ZoneInfo("America/Chicago")
DANA = Manager("dana", "Dana Lee", (Channel("mailto://dana@example.org"),))
EMAIL = "mailto://jprice@example.org"
SMS = "json://127.0.0.1/sms"
PRICE = Person("t-price", "Jordan Price", "technologist",
               notify=(Channel(EMAIL), Channel(SMS, stages=(7, 0))))
ADAMS = Person("r-adams", "Rae Adams", "reader", notify=(Channel("mailto://radams@example.org"),))

TYPES = {
    "bls": CredentialType("bls", "BLS Provider", renewal_lead_days=30,
                          verify_url="https://heart.org/cpr/mycards"),
    "state_license": CredentialType("state_license", "State licence", scope="state",
                                    renewal_lead_days=42),
    "cnim": CredentialType("cnim", "CNIM"),
}
OCHSNER = Facility("ochsner-main", "Ochsner Medical Center", "LA", "America/Chicago")
PRACTICE = Practice("Bayou Neuromonitoring", "America/Chicago", Path("."), "sqlite://",
                    alerts=AlertPolicy(stages=(90, 60, 30, 7, 0), escalate_at=7,
                                       expired_repeat_days=7, case_horizon_days=30),
                    managers=(DANA,), credential_types=TYPES,
                    facilities={"ochsner-main": OCHSNER})
STAGES = (90, 60, 30, 7, 0)


def stage_of(days_left: int) -> int | None:
    """docs/alerts.md: the smallest stage s with days_left <= s (the rules engine's job; an input here)."""
    fitting = [s for s in STAGES if days_left <= s]
    return min(fitting) if fitting else None


def due(cred: Credential, on: date, due_on: date | None = None, reason=None, cases=()) -> DueDate:
    d = due_on or cred.expires
    left = (d - on).days
    return DueDate(cred, d, reason, left, stage_of(left), tuple(cases))


def snapshot(*creds: Credential, cases=()) -> Snapshot:
    return Snapshot({"t-price": PRICE, "r-adams": ADAMS}, tuple(creds), cases=tuple(cases))


def run(on: date, *dues: DueDate, history=None, clearances=(), digest=False, silences=(),
        conflicts=(), snap=None):
    ev = Evaluation(on, tuple(clearances), tuple(dues), tuple(conflicts))
    snap = snap or snapshot(*(d.credential for d in dues))
    return plan(PRACTICE, snap, ev, history or History(), silences=silences, digest=digest)


BLS = Credential("t-price", "bls", date(2026, 12, 31), issuer="AHA", issued=date(2024, 12, 3))


def test_stage_alert_key_and_spec_json():
    [a] = [a for a in run(date(2026, 12, 1), due(BLS, date(2026, 12, 1))) if a.kind == "stage"]
    # 30 days left: stage 30, above escalate_at 7 -> the person only, on email (SMS wants 7 and 0)
    assert a.as_dict() | {"case": None} == {
        "key": "credential:t-price:bls:2026-12-31:30", "kind": "stage", "person": "t-price",
        "credential": "t-price:bls", "stage": 30, "recipients": ["t-price"], "case": None,
        "title": a.message.title, "summarized_for": []}
    assert [(t.recipient, t.url) for t in a.targets] == [("t-price", EMAIL)]


def test_each_stage_once_over_daily_runs():
    """Daily runs from 100 days before expiry to the expiry: stages 90, 60, 30, 7, 0 once each."""
    history, sent = History(), []
    start = BLS.expires - timedelta(days=100)
    for i in range(101):
        day = start + timedelta(days=i)
        for a in run(day, due(BLS, day), history=history):
            history.add(a)
            if a.kind == "stage":
                sent.append(((BLS.expires - day).days, a.stage))
    assert sent == [(90, 90), (60, 60), (30, 30), (7, 7), (0, 0)]


def test_catch_up_sends_only_the_most_urgent_crossed_stage():
    history = History()
    for a in run(date(2026, 10, 2), due(BLS, date(2026, 10, 2)), history=history):  # 90 days
        history.add(a)
    # Down from 2026-10-03 until 2026-12-26 (5 days left): 60, 30 and 7 were crossed.
    alerts = [a for a in run(date(2026, 12, 26), due(BLS, date(2026, 12, 26)), history=history)
              if a.kind == "stage"]
    assert [a.stage for a in alerts] == [7]
    assert sorted(alerts[0].recipients) == ["dana", "t-price"]  # 7 <= escalate_at
    assert {t.url for t in alerts[0].targets} == {EMAIL, SMS, "mailto://dana@example.org"}


def test_renewal_starts_a_fresh_cycle_and_a_shifting_due_does_not_repeat_a_stage():
    history = History()
    for a in run(date(2026, 12, 1), due(BLS, date(2026, 12, 1)), history=history):
        history.add(a)
    # Same version, a facility rule makes it due later again (31 -> 40 days): stage 60? No:
    # 40 days left is stage 60, not sent yet for this version -> sent; then 30 again: not again.
    later = due(BLS, date(2026, 12, 1), due_on=date(2027, 1, 10))
    got = [a.stage for a in run(date(2026, 12, 1), later, history=history) if a.kind == "stage"]
    assert got == [60]
    history.add(run(date(2026, 12, 1), later, history=history)[0])
    assert [a for a in run(date(2026, 12, 11), due(BLS, date(2026, 12, 11), due_on=date(2027, 1, 10)),
                           history=history) if a.kind == "stage"] == []
    # Renewed: version 2 expiring 2028-12-31 -> 2026-12-11 is 751 days off: nothing; at 90: sent.
    renewed = Credential("t-price", "bls", date(2028, 12, 31), issued=date(2026, 12, 5), version=2)
    assert run(date(2026, 12, 11), due(renewed, date(2026, 12, 11)), history=history) == []
    on = date(2028, 10, 2)
    [a] = [a for a in run(on, due(renewed, on), history=history) if a.kind == "stage"]
    assert (a.key, a.version) == ("credential:t-price:bls:2028-12-31:90", 2)


def test_renewal_submitted_stops_the_persons_reminders_not_the_managers_escalation():
    sub = Credential("t-price", "bls", date(2026, 12, 31), status="renewal_submitted")
    assert run(date(2026, 12, 1), due(sub, date(2026, 12, 1))) == []  # stage 30: nobody
    [a] = run(date(2026, 12, 24), due(sub, date(2026, 12, 24)))  # stage 7
    assert (a.kind, a.recipients) == ("stage", ("dana",))
    assert "renewal is recorded as submitted" in a.message.text
    [lapse] = run(date(2027, 1, 3), due(sub, date(2027, 1, 3)))
    assert (lapse.kind, lapse.recipients) == ("lapsed", ("dana",))


def test_silences_are_honoured_until_they_expire():
    silence = Silence(until=date(2026, 12, 10), credential="t-price:bls", reason="on leave",
                      by="dana")
    assert run(date(2026, 12, 1), due(BLS, date(2026, 12, 1)), silences=[silence]) == []
    by_type = Silence(until=date(2026, 12, 10), type="bls")
    assert run(date(2026, 12, 1), due(BLS, date(2026, 12, 1)), silences=[by_type]) == []
    other = Silence(until=date(2026, 12, 10), person="r-adams")
    assert len(run(date(2026, 12, 1), due(BLS, date(2026, 12, 1)), silences=[other])) == 2
    # The day after `until`, the current stage (30, 20 days left) goes out.
    on = date(2026, 12, 11)
    assert [a.key for a in run(on, due(BLS, on), silences=[silence]) if a.kind == "stage"] == [
        "credential:t-price:bls:2026-12-31:30"]


def test_lapse_reminders_every_expired_repeat_days():
    history, sent = History(), []
    for i in range(22):
        day = BLS.expires + timedelta(days=i)
        for a in run(day, due(BLS, day), history=history):
            history.add(a)
            sent.append((i, a.kind))
    # due date: stage 0; then every 7 days: days 7, 14, 21 after the due date.
    assert sent == [(0, "stage"), (7, "lapsed"), (14, "lapsed"), (21, "lapsed")]


def test_a_lapse_first_seen_after_downtime_is_reported_at_once():
    on = BLS.expires + timedelta(days=3)
    [a] = run(on, due(BLS, on))
    assert (a.kind, a.key, sorted(a.recipients)) == (
        "lapsed", "lapsed:t-price:bls:2026-12-31:0", ["dana", "t-price"])
    assert "lapsed 3 days ago" in a.message.title


def test_a_credential_past_a_facilitys_due_date_is_past_due_not_lapsed():
    licence = Credential("r-adams", "state_license", date(2026, 12, 20), scope="LA")
    on = date(2026, 11, 27)  # Ochsner wants 30 days of validity after a case: due 2026-11-20
    [a] = run(on, due(licence, on, date(2026, 11, 20), "ochsner-main: valid_days_after_case 30"))
    assert a.kind == "lapsed"
    assert a.message.title == "Rae Adams: State licence (LA) is past due since 2026-11-20 (7 days ago)"
    assert "it expires on 2026-12-20" in a.message.text
    assert "Ochsner Medical Center requires it to stay valid 30 days after each case" in a.message.text


def test_per_channel_stage_filters():
    on30, on7 = date(2026, 12, 1), date(2026, 12, 24)
    [a30] = [a for a in run(on30, due(BLS, on30)) if a.kind == "stage"]
    [a7] = [a for a in run(on7, due(BLS, on7)) if a.kind == "stage"]
    assert [t.url for t in a30.targets if t.recipient == "t-price"] == [EMAIL]
    assert [t.url for t in a7.targets if t.recipient == "t-price"] == [EMAIL, SMS]
    lapse_on = BLS.expires + timedelta(days=2)
    [lapse] = run(lapse_on, due(BLS, lapse_on))
    assert SMS in [t.url for t in lapse.targets]  # a lapse counts as stage 0
    # The renewal deadline has no stage: the SMS channel (7 and 0 only) does not take it.
    on = date(2026, 12, 1)
    [rd] = [a for a in run(on, due(BLS, on)) if a.kind == "renewal_deadline"]
    assert SMS not in [t.url for t in rd.targets]


def test_escalation_to_managers_at_escalate_at():
    on60, on7 = BLS.expires - timedelta(days=60), BLS.expires - timedelta(days=7)
    assert [a.recipients for a in run(on60, due(BLS, on60))] == [("t-price",)]
    assert [a.recipients for a in run(on7, due(BLS, on7)) if a.kind == "stage"] == [
        ("t-price", "dana")]


def test_renewal_deadline_once_and_says_when_it_is_too_late():
    lic = Credential("t-price", "state_license", date(2027, 1, 12), scope="LA", number="LA-998")
    history = History()
    on = date(2026, 12, 1)  # 42 days left == renewal_lead_days
    [rd] = [a for a in run(on, due(lic, on), history=history) if a.kind == "renewal_deadline"]
    assert rd.key == "renewal:t-price:state_license:LA:2027-01-12"
    assert sorted(rd.recipients) == ["dana", "t-price"]
    assert "start renewing State licence (LA) no. LA-998 now" in rd.message.title
    for a in run(on, due(lic, on), history=history):
        history.add(a)
    later = date(2026, 12, 2)
    assert [a for a in run(later, due(lic, later), history=history)
            if a.kind == "renewal_deadline"] == []
    # First seen with 20 days left: too late for the usual 42 days, and it says so.
    on20 = date(2026, 12, 23)
    [late] = [a for a in run(on20, due(lic, on20)) if a.kind == "renewal_deadline"]
    assert "too late for the usual 42-day renewal" in late.message.title
    assert "already run out" in late.message.text


def _case(start: datetime, tech="t-price", reader="r-adams", cid="C-1001"):
    return Case(cid, "ochsner-main", start, procedure="spine", technologist=tech, reader=reader)


PROBLEM = Problem("t-price", "technologist", "state_license", "expired", "state:LA",
                  "Jordan Price's Louisiana state licence expired on 2026-11-28, 5 days before "
                  "this case; Ochsner Medical Center blocks the case.")


def test_case_alerts_once_per_problem_set_then_cleared_once():
    case = _case(datetime(2026, 12, 3, 8, 0, tzinfo=CHI))
    snap = snapshot(cases=[case])
    on = date(2026, 12, 1)
    blocked = Clearance(case, "blocked", (PROBLEM,), ("t-nguyen",))
    history = History()
    alerts = run(on, clearances=[blocked], history=history, snap=snap)
    [c] = [a for a in alerts if a.kind == "case"]
    assert c.key.startswith("case:C-1001:") and sorted(c.recipients) == ["dana", "r-adams", "t-price"]
    assert "Ochsner Medical Center blocks the case" in c.message.text
    assert "Cleared backups: t-nguyen (t-nguyen)" in c.message.text
    for a in alerts:
        history.add(a)
    assert run(on, clearances=[blocked], history=history, snap=snap) == []
    # A different problem set is a new alert.
    bls = Problem("t-price", "technologist", "bls", "too_old", "facility:ochsner-main", "BLS too old.")
    changed = Clearance(case, "blocked", (PROBLEM, bls), ())
    [c2] = run(on, clearances=[changed], history=history, snap=snap)
    assert c2.kind == "case" and c2.key != c.key
    history.add(c2)
    # Cleared: the managers hear once.
    cleared = Clearance(case, "cleared")
    [ok] = run(on, clearances=[cleared], history=history, snap=snap)
    assert (ok.kind, ok.recipients) == ("case_cleared", ("dana",))
    history.add(ok)
    assert run(on, clearances=[cleared], history=history, snap=snap) == []


def test_case_assigned_once_per_assignment_and_again_when_moved_or_reassigned():
    start = datetime(2026, 12, 3, 8, 0, tzinfo=CHI)
    on = date(2026, 12, 1)
    history = History()
    first = run(on, clearances=[Clearance(_case(start, reader=None), "cleared")], history=history,
                snap=snapshot(cases=[_case(start, reader=None)]))
    assert [(a.kind, a.recipients) for a in first] == [("case_assigned", ("t-price",))]
    assert first[0].message.title == (
        "Jordan Price: you are the technologist for case C-1001 on 2026-12-03 08:00")
    history.add(first[0])
    assert run(on, clearances=[Clearance(_case(start, reader=None), "cleared")],
               history=history) == []
    moved = _case(start + timedelta(days=1), reader="r-adams")
    again = run(on, clearances=[Clearance(moved, "cleared")], history=history,
                snap=snapshot(cases=[moved]))
    assert sorted(a.person for a in again) == ["r-adams", "t-price"]


def test_cases_outside_the_horizon_raise_nothing():
    far = _case(datetime(2027, 1, 15, 8, 0, tzinfo=CHI))
    assert run(date(2026, 12, 1), clearances=[Clearance(far, "blocked", (PROBLEM,))]) == []


def test_messages_say_who_what_when_why_which_cases_and_what_to_do():
    case = _case(datetime(2026, 12, 20, 7, 30, tzinfo=CHI))
    on = date(2026, 12, 1)
    d = due(BLS, on, due_on=date(2026, 12, 3), reason="ochsner-main: max_age_months 24",
            cases=["C-1001"])
    [a] = [a for a in run(on, d, snap=snapshot(BLS, cases=[case])) if a.kind == "stage"]
    assert a.message.title == "Jordan Price: BLS Provider is due in 2 days (2026-12-03)"
    text = a.message.text
    assert "It is due on 2026-12-03 although it expires on 2026-12-31: Ochsner Medical Center " \
           "accepts it only within 24 months of its issue date." in text
    assert "C-1001 on 2026-12-20 07:30 at Ochsner Medical Center (spine)" in text
    assert "Renewal usually takes 30 days" in text
    assert "https://heart.org/cpr/mycards" in text
    assert "<li>C-1001 on 2026-12-20 07:30 at Ochsner Medical Center (spine)</li>" in a.message.html


def test_digest_once_per_manager_per_date_with_its_four_sections():
    case = _case(datetime(2026, 12, 3, 8, 0, tzinfo=CHI))
    on = date(2026, 12, 7)
    from nervecenter.alerts.planning import FailedDelivery

    history = History(failed=(FailedDelivery("credential:x", "t-price", "json://127.0.0.1/sms",
                                             "HTTP 500"),))
    conflict = Conflict("bls", "max_age_months", {"ochsner-main": 12, "tulane": None}, ("t-price",))
    cnim = Credential("t-price", "cnim", date(2031, 12, 31))
    alerts = run(on, due(BLS, on), due(cnim, on), digest=True, history=history,
                 clearances=[Clearance(case, "blocked", (PROBLEM,))], conflicts=[conflict],
                 snap=snapshot(BLS, cnim, cases=[case]))
    [dg] = [a for a in alerts if a.kind == "digest"]
    assert (dg.key, dg.recipients) == ("digest:dana:2026-12-07", ("dana",))
    text = dg.message.text
    assert "BLS Provider: due 2026-12-31 (in 24 days)" in text
    assert "CNIM" not in text  # five years off
    assert "C-1001 on 2026-12-03" not in text  # 2026-12-03 is before 2026-12-07: out of horizon
    assert "credential:x to Jordan Price via json://127.0.0.1/sms: HTTP 500" in text
    assert "bls max_age_months: Ochsner Medical Center 12, tulane None — affects t-price" in text
    history.add(dg)
    assert [a for a in run(on, due(BLS, on), digest=True, history=history) if a.kind == "digest"] == []
