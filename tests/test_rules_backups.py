"""Backups: who is offered for a case that is not cleared, worked out by hand.

Unless said otherwise the practice is evaluated on 2026-12-01, Ochsner Medical Center (LA) asks a
BLS card of technologists, and Jordan Price (t-price), who has none, is on the case, so it is
blocked and needs a technologist. Backups meet every requirement, are free at the time of the
case, and come people free all day first (by id), then by how many cases they have that day.
"""

from datetime import date

from kit.rules import case, cred, facility, person, practice, req, snapshot

from nervecenter.rules import evaluate

ON = date(2026, 12, 1)
PRICE = person("t-price", "Jordan Price")
BLS = req(credential="bls")


def backups(p, people, creds, cases):
    ev = evaluate(p, snapshot(people, creds, cases), ON)
    return {c.case.id: c.backups for c in ev.clearances}


def techs(*ids):
    return [person(i, i[2:].title()) for i in ids]


def test_a_backup_search_at_tulane_does_not_qualify_anyone_at_ochsner():
    # Tulane asks a plain BLS card; Ochsner asks one issued within the last 12 months.
    ochsner = facility(reqs=[req(credential="bls", max_age_months=12)])
    tulane = facility("tulane", "Tulane Medical Center", reqs=[BLS])
    creds = [
        # Issued 2025-06-01: accepted at Ochsner until 2025-06-01 + 12 months = 2026-06-01.
        cred("t-old", "bls", "2027-06-30", issued="2025-06-01"),
        # Issued 2026-06-01: accepted at Ochsner until 2027-06-01.
        cred("t-new", "bls", "2028-06-30", issued="2026-06-01"),
    ]
    # Tulane's case comes first, so its search looks at both of them first.
    cases = [case("C-T", "2026-12-03T08:00", facility="tulane"),
             case("C-O", "2026-12-04T08:00")]
    found = backups(practice(ochsner, tulane), [PRICE, *techs("t-old", "t-new")], creds, cases)
    assert found == {"C-T": ("t-new", "t-old"), "C-O": ("t-new",)}


def test_a_candidate_is_looked_at_once_and_the_answer_holds_on_every_day():
    """Four blocked cases at Ochsner, 2026-12-02, -03, -10 and -11. From the second case on, the
    candidates' days are already known (worked out at the first)."""
    creds = [
        cred("t-ends", "bls", "2026-12-10"),                        # valid up to 12-10 inclusive
        cred("t-first", "bls", "2028-01-31", issued="2026-12-02"),  # valid from 12-02
        cred("t-last", "bls", "2026-12-02"),                        # valid up to 12-02 inclusive
        cred("t-starts", "bls", "2028-01-31", issued="2026-12-03"),  # valid from 12-03
    ]
    cases = [case(f"C-{d}", f"2026-12-{d}T08:00") for d in ("02", "03", "10", "11")]
    people = [PRICE, *techs("t-ends", "t-first", "t-last", "t-starts")]
    assert backups(practice(facility(reqs=[BLS])), people, creds, cases) == {
        # 12-02: t-first on its issue day, t-last on its expiry day; t-starts not yet valid.
        "C-02": ("t-ends", "t-first", "t-last"),
        # 12-03: t-last expired the day before; t-starts on its issue day. Three at most.
        "C-03": ("t-ends", "t-first", "t-starts"),
        # 12-10: t-ends on its last day.
        "C-10": ("t-ends", "t-first", "t-starts"),
        # 12-11: t-ends expired the day before; the others after it by id are still offered.
        "C-11": ("t-first", "t-starts"),
    }


def test_a_case_that_started_earlier_and_still_runs_makes_a_candidate_busy():
    """C-1 runs 08:00-12:00. t-early's case 06:00-10:00 started earlier and still runs at 08:00;
    t-zero's case was written with its end at its start (07:00), so it lasts the default 4 hours,
    until 11:00; t-before's case 06:00-08:00 ends as C-1 starts, which is no overlap (nor is
    their afternoon case 13:00-17:00)."""
    people = [PRICE, *techs("t-before", "t-early", "t-free", "t-zero")]
    creds = [cred(p.id, "bls", "2027-06-30") for p in people[1:]]
    cases = [case("C-1", "2026-12-03T08:00", end="2026-12-03T12:00"),
             case("C-2", "2026-12-03T06:00", tech="t-early", end="2026-12-03T10:00"),
             case("C-3", "2026-12-03T07:00", tech="t-zero", end="2026-12-03T07:00"),
             case("C-4", "2026-12-03T06:00", tech="t-before", end="2026-12-03T08:00"),
             case("C-5", "2026-12-03T13:00", tech="t-before", end="2026-12-03T17:00")]
    found = backups(practice(facility(reqs=[BLS])), people, creds, cases)
    # t-free has no case that day and comes first; t-before has two.
    assert found["C-1"] == ("t-free", "t-before")


def test_people_with_cases_that_day_come_by_how_many_they_have_and_the_cases_own_person_is_skipped():
    """C-1 08:00-10:00. Jordan Price is on it with an expired BLS card (so he is among the holders
    looked at, and is skipped as the case's own technologist). t-able has two cases that afternoon,
    t-zed one: fewer cases first, whatever the ids."""
    people = [PRICE, *techs("t-able", "t-zed")]
    creds = [cred("t-price", "bls", "2026-11-30"), cred("t-able", "bls", "2027-06-30"),
             cred("t-zed", "bls", "2027-06-30")]
    cases = [case("C-1", "2026-12-03T08:00", end="2026-12-03T10:00"),
             case("C-2", "2026-12-03T13:00", tech="t-able", end="2026-12-03T14:00"),
             case("C-3", "2026-12-03T15:00", tech="t-able", end="2026-12-03T16:00"),
             case("C-4", "2026-12-03T13:00", tech="t-zed", end="2026-12-03T14:00")]
    found = backups(practice(facility(reqs=[BLS])), people, creds, cases)
    # Price (1 case, skipped), t-zed (1 case), t-able (2 cases).
    assert found["C-1"] == ("t-zed", "t-able")


def test_a_plugin_rule_kind_keeps_a_candidate_at_their_daily_limit_out():
    """Ochsner allows 2 cases a day per person (a plugin's `cases_per_day`, both roles), asks BLS
    of technologists and a Louisiana licence of readers. C-1 08:00-10:00 has Jordan Price (no BLS)
    and Ravi Adams, whose licence expired: both roles need backups.

        C-2 11:00-12:00  t-kim  reading r-lee
        C-3 13:00-14:00  t-lee  reading r-lee
        C-4 15:00-16:00  t-lee  reading r-kim
        C-5 17:00-18:00  (no technologist) reading r-moss

    Taking C-1 as well: t-kim 1 + 1 = 2 cases (allowed), t-lee 2 + 1 = 3 (over), r-kim 1 + 1 = 2,
    r-lee 2 + 1 = 3 (over), r-moss 1 + 1 = 2: an unstaffed case still counts for its reader."""
    reqs = [BLS, req(credential="state_license", role="reader"),
            req(rule="cases_per_day", role="any", params={"max": 2})]
    people = [PRICE, person("r-adams", "Ravi Adams", "reader"), *techs("t-kim", "t-lee"),
              person("r-kim", "Ada Kim", "reader"), person("r-lee", "Bo Lee", "reader"),
              person("r-moss", "Cy Moss", "reader")]
    creds = [cred("t-kim", "bls", "2027-06-30"), cred("t-lee", "bls", "2027-06-30"),
             cred("r-adams", "state_license", "2026-11-01", scope="LA")] + [
        cred(r, "state_license", "2028-01-01", scope="LA") for r in ("r-kim", "r-lee", "r-moss")]
    cases = [case("C-1", "2026-12-03T08:00", reader="r-adams", end="2026-12-03T10:00"),
             case("C-2", "2026-12-03T11:00", tech="t-kim", reader="r-lee", end="2026-12-03T12:00"),
             case("C-3", "2026-12-03T13:00", tech="t-lee", reader="r-lee", end="2026-12-03T14:00"),
             case("C-4", "2026-12-03T15:00", tech="t-lee", reader="r-kim", end="2026-12-03T16:00"),
             case("C-5", "2026-12-03T17:00", tech=None, reader="r-moss", end="2026-12-03T18:00")]
    found = backups(practice(facility(reqs=reqs)), people, creds, cases)
    # Readers by cases that day: r-adams (C-1's own), r-kim 1, r-moss 1, r-lee 2 (over the limit).
    assert found["C-1"] == ("t-kim", "r-kim", "r-moss")


def test_any_of_with_grace_and_a_single_shared_day():
    """Ochsner asks BLS, CNIM or CLTM (grace accepted), and ACLS. t-multi's days:

        BLS   no issue date, expires 2026-12-12                     -> up to 12-12
        CNIM  2025-01-01 .. 2026-11-05, + 31 days of grace          -> 2025-01-01 .. 12-06
        CLTM  issued 2026-12-12                                     -> from 12-12
        ACLS  2026-01-01 .. 2028-01-01

    All four together: 2026-01-01 .. 12-06, and 12-12 alone."""
    reqs = [BLS, req(any_of=["cnim", "cltm"], accept_grace=True), req(credential="acls")]
    creds = [cred("t-multi", "bls", "2026-12-12"),
             cred("t-multi", "cnim", "2026-11-05", issued="2025-01-01"),
             cred("t-multi", "cltm", "2029-12-31", issued="2026-12-12"),
             cred("t-multi", "acls", "2028-01-01", issued="2026-01-01")]
    cases = [case("C-04", "2026-12-04T08:00"), case("C-08", "2026-12-08T08:00"),
             case("C-12", "2026-12-12T08:00"), case("C-13", "2026-12-13T08:00")]
    found = backups(practice(facility(reqs=reqs)), [PRICE, *techs("t-multi")], creds, cases)
    assert found == {"C-04": ("t-multi",), "C-08": (), "C-12": ("t-multi",), "C-13": ()}


def test_a_credential_in_its_accepted_grace_period_qualifies_a_backup():
    # CNIM has 31 days of grace: expired 2026-11-20, accepted until 2026-12-21.
    creds = [cred("t-grace", "cnim", "2026-11-20")]
    cases = [case("C-1", "2026-12-03T08:00")]
    people = [PRICE, *techs("t-grace")]
    assert backups(practice(facility(reqs=[req(credential="cnim", accept_grace=True)])),
                   people, creds, cases) == {"C-1": ("t-grace",)}
    assert backups(practice(facility(reqs=[req(credential="cnim")])),
                   people, creds, cases) == {"C-1": ()}


def test_where_only_a_rule_kind_binds_a_role_anyone_of_the_role_may_back_up():
    """Ochsner's only reader requirement is at most 1 case at once. Ravi Adams reads C-1 and C-2,
    which overlap: both are blocked, and any free reader on the roster will do."""
    readers = [person(r, r[2:].title(), "reader") for r in ("r-adams", "r-kim", "r-lee", "r-moss")]
    reqs = [req(rule="concurrent_cases", role="reader", params={"max": 1})]
    cases = [case("C-1", "2026-12-03T08:00", reader="r-adams", end="2026-12-03T10:00"),
             case("C-2", "2026-12-03T09:00", tech="t-other", reader="r-adams",
                  end="2026-12-03T11:00")]
    found = backups(practice(facility(reqs=reqs)), [PRICE, *readers], [], cases)
    assert found == {"C-1": ("r-kim", "r-lee", "r-moss"), "C-2": ("r-kim", "r-lee", "r-moss")}


def test_an_unstaffed_case_on_a_quiet_day_is_offered_every_free_technologist():
    # Nobody else works on 2026-12-05 and Ochsner asks nothing of technologists: the first
    # three technologists by id (readers are not offered a technologist's place).
    people = [*techs("t-a", "t-b", "t-c", "t-d"), person("r-adams", "Ravi Adams", "reader")]
    cases = [case("C-1", "2026-12-05T08:00", tech=None)]
    found = backups(practice(facility()), people, [], cases)
    assert found == {"C-1": ("t-a", "t-b", "t-c")}


def test_an_unstaffed_case_with_no_technologist_on_the_roster_gets_no_backups():
    cases = [case("C-1", "2026-12-05T08:00", tech=None)]
    found = backups(practice(facility()), [person("r-adams", "Ravi Adams", "reader")], [], cases)
    assert found == {"C-1": ()}


def test_two_cards_that_overlap_on_a_single_day_qualify_on_that_day():
    # Ochsner asks BLS and ACLS. t-one's BLS runs out on 2026-12-12 (its last valid day) and
    # their ACLS is issued that very day: both valid on 12-12 only.
    creds = [cred("t-one", "bls", "2026-12-12"),
             cred("t-one", "acls", "2028-12-31", issued="2026-12-12")]
    cases = [case(f"C-{d}", f"2026-12-{d}T08:00") for d in ("11", "12", "13")]
    found = backups(practice(facility(reqs=[BLS, req(credential="acls")])),
                    [PRICE, *techs("t-one")], creds, cases)
    assert found == {"C-11": (), "C-12": ("t-one",), "C-13": ()}
