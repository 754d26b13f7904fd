"""The two forms of the credential check agree: `failure` (with a reason, for explanations) and
`valid_span` (the days it is good, for the fast path)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from nervecenter.core.model import Credential, Requirement, Verification
from nervecenter.rules.matching import failure, valid_span

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def credentials(draw):
    issued = draw(st.none() | days)
    expires = draw(days)
    verified = draw(st.none() | days.map(lambda d: Verification(d, "dana")))
    return Credential(person="t-price", type="bls", expires=expires, issued=issued,
                      issuer=draw(st.sampled_from([None, "AHA", "aha", "Red Cross"])),
                      status=draw(st.sampled_from(["active", "renewal_submitted", "revoked"])),
                      verified=verified)


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


def test_span_of_a_plain_credential_runs_from_issue_to_expiry():
    cred = Credential(person="p", type="bls", expires=date(2027, 11, 30), issued=date(2025, 11, 20))
    req = Requirement(source="facility:x", credential="bls")
    assert valid_span(cred, req) == (date(2025, 11, 20), date(2027, 11, 30))
    strict = Requirement(source="facility:x", credential="bls", max_age_months=12,
                         valid_days_after_case=10)
    assert valid_span(cred, strict) == (date(2025, 11, 20), date(2026, 11, 20))
    assert valid_span(cred, Requirement(source="facility:x", credential="bls",
                                        valid_days_after_case=10)) == (
        date(2025, 11, 20), date(2027, 11, 30) - timedelta(days=10))


def test_an_expiry_at_the_end_of_the_calendar_does_not_overflow():
    cred = Credential(person="p", type="cnim", expires=date.max, issued=date(2025, 1, 1))
    req = Requirement(source="facility:x", credential="cnim", accept_grace=True,
                      valid_days_after_case=30)
    assert failure(cred, req, date(2026, 12, 3), 31) is None
    assert valid_span(cred, req, 31) == (date(2025, 1, 1), date.max - timedelta(days=30))
