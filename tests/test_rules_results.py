"""What an evaluation hands back: the fields and the stable JSON of docs/contract.md."""

from datetime import date

from kit.rules import case, cred, facility, person, practice, req, snapshot

from nervecenter.rules import evaluate

ON = date(2026, 12, 1)
PRICE = person("t-price", "Jordan Price")
ADAMS = person("r-adams", "Ravi Adams", "reader")


def test_a_clearance_as_json():
    p = practice(facility(reqs=[req(credential="bls")]))
    cases = [case("C-1", "2026-12-03T08:00", reader="r-adams", end="2026-12-03T12:30"),
             case("C-2", "2026-12-04T07:15", procedure=None)]
    ev = evaluate(p, snapshot([PRICE, ADAMS, person("t-lee", "Bo Lee")],
                              [cred("t-lee", "bls", "2027-06-30")], cases), ON)
    assert [c.as_dict() for c in ev.clearances] == [
        {"id": "C-1", "facility": "ochsner", "start": "2026-12-03T08:00:00-06:00",
         "end": "2026-12-03T12:30:00-06:00", "procedure": "spine", "technologist": "t-price",
         "reader": "r-adams", "outcome": "blocked",
         "problems": [{"person": "t-price", "role": "technologist", "type": "bls",
                       "reason": "missing", "source": "facility:ochsner",
                       "detail": "Jordan Price has no BLS Provider on file; Ochsner Medical "
                                 "Center requires it and blocks the case."}],
         "backups": ["t-lee"]},
        {"id": "C-2", "facility": "ochsner", "start": "2026-12-04T07:15:00-06:00", "end": None,
         "procedure": None, "technologist": "t-price", "reader": None, "outcome": "blocked",
         "problems": [{"person": "t-price", "role": "technologist", "type": "bls",
                       "reason": "missing", "source": "facility:ochsner",
                       "detail": "Jordan Price has no BLS Provider on file; Ochsner Medical "
                                 "Center requires it and blocks the case."}],
         "backups": ["t-lee"]},
    ]


def test_an_evaluation_knows_its_date_and_the_people_for_names():
    ev = evaluate(practice(facility()), snapshot([PRICE, ADAMS], []), ON)
    assert ev.as_of == ON
    assert {pid: p.name for pid, p in ev.people.items()} == {
        "t-price": "Jordan Price", "r-adams": "Ravi Adams"}


def test_a_window_beyond_the_horizon_includes_its_last_day():
    # The horizon ends 2026-12-31; a window to 2027-01-30 shows a case on that last day.
    cases = [case("C-1", "2027-01-30T08:00"), case("C-2", "2027-01-31T08:00")]
    ev = evaluate(practice(facility()), snapshot([PRICE], [], cases), ON,
                  end=date(2027, 1, 30))
    assert [(c.case.id, c.outcome) for c in ev.clearances] == [("C-1", "cleared")]
