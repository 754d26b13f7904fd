"""What depends on the whole schedule: the concurrent_cases rule kind and backups."""

import importlib.metadata
from datetime import date

from kit.rules import case, cred, facility, person, practice, req, snapshot
from nervecenter.plugins.rule_kinds import concurrency

from nervecenter.rules import CaseSchedule, evaluate

ON = date(2026, 12, 1)
ADAMS = person("r-adams", "Ravi Adams", "reader")


def reader_cases():
    """Ravi Adams reads five cases on 2026-12-03, each with its own technologist:

        A 08:00-12:00   B 09:00-11:00   D 10:00-10:30   C 11:30 (no end: until 15:30)
        E 12:00-13:00

    At 10:00-10:30 A, B and D run at once (3). A overlaps C too, but only after B and D ended.
    E starts when A ends: they do not overlap.
    """
    spec = [("A", "08:00", "12:00"), ("B", "09:00", "11:00"), ("C", "11:30", None),
            ("D", "10:00", "10:30"), ("E", "12:00", "13:00")]
    people = [ADAMS] + [person(f"t-{n.lower()}", f"Tech {n}") for n, _, _ in spec]
    cases = [case(n, f"2026-12-03T{s}", tech=f"t-{n.lower()}", reader="r-adams",
                  end=f"2026-12-03T{e}" if e else None) for n, s, e in spec]
    return people, cases


def run_concurrency(limit):
    p = practice(facility(reqs=[req(rule="concurrent_cases", role="reader", params={"max": limit})]))
    people, cases = reader_cases()
    ev = evaluate(p, snapshot(people, [], cases), ON)
    return {c.case.id: c for c in ev.clearances}


def test_concurrent_cases_counts_the_busiest_moment():
    by_id = run_concurrency(2)
    assert {i: c.outcome for i, c in by_id.items()} == {
        "A": "blocked", "B": "blocked", "D": "blocked", "C": "cleared", "E": "cleared"}
    (p,) = by_id["A"].problems
    assert (p.person, p.role, p.type, p.reason) == (
        "r-adams", "reader", "concurrent_cases", "limit_exceeded")
    assert p.detail == ("Ravi Adams would have 3 cases at once during this case (A, B, D), more "
                        "than the limit of 2; Ochsner Medical Center blocks the case.")


def test_concurrent_cases_within_the_limit():
    assert {c.outcome for c in run_concurrency(3).values()} == {"cleared"}


def test_concurrent_cases_applies_only_to_its_role():
    p = practice(facility(reqs=[req(rule="concurrent_cases", role="technologist",
                                    params={"max": 1})]))
    people, cases = reader_cases()
    ev = evaluate(p, snapshot(people, [], cases), ON)
    assert {c.outcome for c in ev.clearances} == {"cleared"}


def test_concurrency_is_a_built_in_plugin():
    (ep,) = [e for e in importlib.metadata.entry_points(group="nervecenter")
             if e.name == "concurrency"]
    assert ep.value == "nervecenter.plugins.rule_kinds.concurrency"
    registered = []
    concurrency.register_rule_kinds(registered.append)
    (kind,) = registered
    assert kind.id == "concurrent_cases"
    assert kind.params_schema["properties"]["max"]["minimum"] == 1


BLS = [req(credential="bls"), req(credential="acls", enforcement="warn")]


def backup_world():
    """C-1 (08:00-12:00) has Jordan Price, who lacks BLS and ACLS. The other technologists:

        t-adler  BLS+ACLS, busy 10:00-11:00 with C-9        -> excluded (overlap)
        t-baker  BLS+ACLS, one case 13:00-15:00 that day    -> 1 case that day
        t-chen   BLS+ACLS, free                             -> 0 cases
        t-diaz   BLS only (ACLS is only a warning, but backups meet every requirement) -> excluded
        t-evans  expired BLS                                -> excluded
        t-fox    BLS+ACLS, two cases 13:00-14:00, 15:00-16:00 -> 2 cases that day
        t-gill   BLS+ACLS, free                             -> 0 cases
        r-gray   a reader with BLS+ACLS                     -> wrong role
    Expected: t-chen, t-gill (0 cases, by id), then t-baker (1); t-fox would be fourth.
    """
    names = ["adler", "baker", "chen", "diaz", "evans", "fox", "gill"]
    people = [person("t-price", "Jordan Price"), person("r-gray", "Robin Gray", "reader")] + \
        [person(f"t-{n}", n.title()) for n in names]
    creds = []
    for n in ["adler", "baker", "chen", "fox", "gill"]:
        creds += [cred(f"t-{n}", "bls", "2027-06-30"), cred(f"t-{n}", "acls", "2027-06-30")]
    creds += [cred("t-diaz", "bls", "2027-06-30"), cred("t-evans", "bls", "2026-11-30"),
              cred("t-evans", "acls", "2027-06-30"),
              cred("r-gray", "bls", "2027-06-30"), cred("r-gray", "acls", "2027-06-30")]
    cases = [case("C-1", "2026-12-03T08:00", end="2026-12-03T12:00"),
             case("C-9", "2026-12-03T10:00", tech="t-adler", end="2026-12-03T11:00"),
             case("C-2", "2026-12-03T13:00", tech="t-baker", end="2026-12-03T15:00"),
             case("C-3", "2026-12-03T13:00", tech="t-fox", end="2026-12-03T14:00"),
             case("C-4", "2026-12-03T15:00", tech="t-fox", end="2026-12-03T16:00")]
    return people, creds, cases


def test_backups_meet_every_requirement_are_free_and_least_busy_first():
    people, creds, cases = backup_world()
    ev = evaluate(practice(facility(reqs=BLS)), snapshot(people, creds, cases), ON)
    c1 = next(c for c in ev.clearances if c.case.id == "C-1")
    assert c1.outcome == "blocked"
    assert c1.backups == ("t-chen", "t-gill", "t-baker")


def test_cleared_cases_get_no_backups():
    people, creds, cases = backup_world()
    ev = evaluate(practice(facility(reqs=BLS)), snapshot(people, creds, cases), ON)
    c2 = next(c for c in ev.clearances if c.case.id == "C-2")
    assert (c2.outcome, c2.backups) == ("cleared", ())


def test_unstaffed_cases_get_technologist_backups():
    people, creds, cases = backup_world()
    cases[0] = case("C-1", "2026-12-03T08:00", tech=None, end="2026-12-03T12:00")
    ev = evaluate(practice(facility(reqs=BLS)), snapshot(people, creds, cases), ON)
    c1 = next(c for c in ev.clearances if c.case.id == "C-1")
    assert (c1.outcome, c1.problems) == ("unstaffed", ())
    # Jordan Price is free now but holds neither card.
    assert c1.backups == ("t-chen", "t-gill", "t-baker")


def test_reader_backups_for_a_reader_problem():
    people = [person("t-price", "Jordan Price"), ADAMS, person("r-kim", "Ada Kim", "reader"),
              person("r-lee", "Bo Lee", "reader"), person("r-moss", "Cy Moss", "reader")]
    creds = [cred("r-kim", "state_license", "2028-01-01", scope="LA"),
             cred("r-lee", "state_license", "2028-01-01", scope="TX"),
             cred("r-moss", "state_license", "2028-01-01", scope="LA"),
             cred("r-adams", "state_license", "2026-11-01", scope="LA")]
    reqs = [req(credential="state_license", role="reader"),
            req(rule="concurrent_cases", role="reader", params={"max": 1})]
    cases = [case("C-1", "2026-12-03T08:00", reader="r-adams"),
             # Ada Kim reads another case that overlaps: with max 1 she is not free.
             case("C-2", "2026-12-03T09:00", tech="t-other", reader="r-kim")]
    ev = evaluate(practice(facility(reqs=reqs)), snapshot(people, creds, cases), ON)
    c1 = next(c for c in ev.clearances if c.case.id == "C-1")
    assert [p.reason for p in c1.problems] == ["expired"]
    assert c1.backups == ("r-moss",)


def test_back_to_back_cases_are_not_at_once():
    # Ravi Adams reads P 08:00-09:00, then Q 09:00-10:00, and L 12:00-16:00; at most 1 at once.
    p = practice(facility(reqs=[req(rule="concurrent_cases", role="reader", params={"max": 1})]))
    cases = [case("P", "2026-12-03T08:00", reader="r-adams", end="2026-12-03T09:00"),
             case("Q", "2026-12-03T09:00", reader="r-adams", end="2026-12-03T10:00"),
             case("L", "2026-12-03T12:00", reader="r-adams", end="2026-12-03T16:00")]
    ev = evaluate(p, snapshot([ADAMS], [], cases), ON)
    assert {c.case.id: c.outcome for c in ev.clearances} == {
        "P": "cleared", "Q": "cleared", "L": "cleared"}


def test_what_a_plugin_can_ask_the_schedule():
    _, cases = reader_cases()
    schedule = CaseSchedule(cases + [case("F", "2026-12-04T08:00", tech="t-a", reader="r-adams")])
    # Ravi Adams's cases by start; Tech A's two, one on each day.
    assert [c.id for c in schedule.cases_of("r-adams")] == ["A", "B", "D", "C", "E", "F"]
    assert [c.id for c in schedule.cases_of("t-a")] == ["A", "F"]
    assert schedule.cases_of("r-nobody") == []
    assert (schedule.count_on("r-adams", date(2026, 12, 3)),
            schedule.count_on("r-adams", date(2026, 12, 4)),
            schedule.count_on("r-nobody", date(2026, 12, 3))) == (5, 1, 0)
    # During D (10:00-10:30) Ravi Adams also reads A and B.
    d = next(c for c in cases if c.id == "D")
    assert [c.id for c in schedule.overlapping("r-adams", d)] == ["A", "B"]
    assert schedule.busy("r-adams", d) and not schedule.busy("r-nobody", d)
