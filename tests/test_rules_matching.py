"""The two forms of the credential check agree: `failure` (with a reason, for explanations) and
`valid_span` (the days it is good, for the fast path)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from nervecenter.core.dates import add_months
from nervecenter.core.model import Credential, Requirement, Verification
from nervecenter.rules.matching import failure, valid_span

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
near = st.sampled_from([-1, 0, 1])  # one day before, on, one day after a limit


def credential(expires, issued, issuer, status, verified):
    return Credential(person="t-price", type="bls", expires=expires, issued=issued, issuer=issuer,
                      status=status, verified=verified)


@st.composite
def credentials(draw):
    issued = draw(st.none() | days)
    expires = draw(days)
    verified = draw(st.none() | days.map(lambda d: Verification(d, "dana")))
    return credential(expires, issued, draw(st.sampled_from([None, "AHA", "aha", "Red Cross"])),
                      draw(st.sampled_from(["active", "renewal_submitted", "revoked"])), verified)


@st.composite
def requirements(draw):
    return Requirement(source="facility:ochsner", credential="bls",
                       max_age_months=draw(st.none() | st.integers(1, 36)),
                       valid_days_after_case=draw(st.integers(0, 60)),
                       issuers=draw(st.none() | st.just(("AHA",))),
                       accept_grace=draw(st.booleans()), verified=draw(st.booleans()))


@settings(max_examples=400, deadline=None)
@given(credentials(), requirements(), days, st.sampled_from([0, 31]))
def test_span_and_failure_agree(cred, req, day, grace):
    span = valid_span(cred, req, grace)
    inside = span is not None and span[0] <= day <= span[1]
    assert inside == (failure(cred, req, day, grace) is None)


@st.composite
def on_the_limits(draw):
    """A requirement, a case day, and a credential whose dates sit exactly on, one day before or
    one day after each limit the requirement puts on that day: the expiry against the case day,
    the case day + valid_days_after_case and the grace period; the issue date against the case
    day and the max_age_months anniversary; the verification against the issue date."""
    req, day, grace = draw(requirements()), draw(days), draw(st.sampled_from([0, 31]))
    after = req.valid_days_after_case
    expires = draw(st.sampled_from([day, day + timedelta(days=after), day - timedelta(days=grace),
                                    day + timedelta(days=after - grace)]))
    expires += timedelta(days=draw(near))
    anniversary = [add_months(day, -req.max_age_months)] if req.max_age_months else []
    issued = draw(st.none() | st.sampled_from([day, *anniversary]))
    if issued is not None:
        issued += timedelta(days=draw(near))
    verified = None
    if draw(st.booleans()):
        verified = Verification(draw(st.sampled_from([issued or day, day]))
                                + timedelta(days=draw(near)), "dana")
    cred = credential(expires, issued, draw(st.sampled_from([None, "AHA", "Red Cross"])),
                      draw(st.sampled_from(["active", "active", "revoked"])), verified)
    return cred, req, day, grace


@settings(max_examples=500, deadline=None)
@given(on_the_limits())
def test_span_and_failure_agree_on_every_boundary_day(example):
    cred, req, day, grace = example
    span = valid_span(cred, req, grace)
    inside = span is not None and span[0] <= day <= span[1]
    assert inside == (failure(cred, req, day, grace) is None)


def test_span_of_a_plain_credential_runs_from_issue_to_expiry():
    cred = Credential(person="p", type="bls", expires=date(2027, 11, 30), issued=date(2025, 11, 20))
    req = Requirement(source="facility:x", credential="bls")
    assert valid_span(cred, req, 0) == (date(2025, 11, 20), date(2027, 11, 30))
    strict = Requirement(source="facility:x", credential="bls", max_age_months=12,
                         valid_days_after_case=10)
    assert valid_span(cred, strict, 0) == (date(2025, 11, 20), date(2026, 11, 20))
    assert valid_span(cred, Requirement(source="facility:x", credential="bls",
                                        valid_days_after_case=10), 0) == (
        date(2025, 11, 20), date(2027, 11, 30) - timedelta(days=10))


def test_an_expiry_at_the_end_of_the_calendar_does_not_overflow():
    cred = Credential(person="p", type="cnim", expires=date.max, issued=date(2025, 1, 1))
    req = Requirement(source="facility:x", credential="cnim", accept_grace=True,
                      valid_days_after_case=30)
    assert failure(cred, req, date(2026, 12, 3), 31) is None
    assert valid_span(cred, req, 31) == (date(2025, 1, 1), date.max - timedelta(days=30))


def test_an_expiry_at_the_start_of_the_calendar_is_never_valid():
    # 0001-01-01 less 30 days is before the calendar: held at its first day, not wrapped around.
    cred = Credential(person="p", type="bls", expires=date.min)
    req = Requirement(source="facility:x", credential="bls", valid_days_after_case=30)
    assert failure(cred, req, date(2026, 12, 3), 0) == "expired"
    assert valid_span(cred, req, 0) == (date.min, date.min)
