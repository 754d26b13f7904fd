"""The JSON API under /api/: the CLI's JSON keys (docs/contract.md), documented by OpenAPI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, Security
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel, Field

from nervecenter.alerts.ledger import STATUSES
from nervecenter.core import limits
from nervecenter.data import report
from nervecenter.web import auth, records
from nervecenter.web.picture import Picture, take_picture

# Declared for /openapi.json (so generated clients and API explorers send the token); the check
# itself is auth.current_user's, which also accepts the dashboard's session cookie.
BEARER = HTTPBearer(scheme_name="bearer", auto_error=False, bearerFormat="opaque token",
                    description="A token from `nervecenter users token NAME`, sent as "
                                "`Authorization: Bearer <token>`.")
SESSION = APIKeyCookie(name=auth.SESSION_COOKIE, scheme_name="session", auto_error=False,
                       description="The dashboard's session cookie, set by logging in on /login "
                                   "(a form POST with username, password and csrf_token).")

router = APIRouter(prefix="/api", tags=["api"], dependencies=[Security(BEARER), Security(SESSION)],
                   responses={401: {"description": "No or unknown bearer token"}})


def api_picture(request: Request, user: auth.CurrentUser) -> Picture:
    return take_picture(request, user)


Pic = Annotated[Picture, Depends(api_picture)]


# ---------------------------------------------------------------- response models

NEXT = ("the next page (same query, later `offset`), also in the `Link` header; null on the "
        "last page")
Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many items")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="skip this many items")]


class StatusItem(BaseModel):
    person: str
    credential: str = Field(description="person:type, or person:type:scopekey")
    type: str
    scope: str | None
    expires: date
    due: date
    due_reason: str | None = Field(description="set when a facility's rule made it earlier")
    days_left: int
    stage: int | None
    status: Literal["active", "renewal_submitted", "revoked"]


class Status(BaseModel):
    as_of: date
    items: list[StatusItem]
    next: str | None = Field(None, description=NEXT)


class CaseProblem(BaseModel):
    person: str | None
    role: str
    type: str
    reason: str
    source: str
    detail: str


class CaseItem(BaseModel):
    id: str
    facility: str
    start: str = Field(description="ISO 8601 with the facility's UTC offset")
    end: str | None = None
    procedure: str | None = None
    technologist: str | None = None
    reader: str | None = None
    outcome: Literal["cleared", "warning", "blocked", "unstaffed"]
    problems: list[CaseProblem]
    backups: list[str]


class Cases(BaseModel):
    as_of: date
    cases: list[CaseItem]
    next: str | None = Field(None, description=NEXT)


class ConflictItem(BaseModel):
    type: str
    attribute: str
    values: dict[str, Any] = Field(description="facility id -> its value (null: no limit)")
    affected: list[str]


class Conflicts(BaseModel):
    as_of: date
    conflicts: list[ConflictItem]
    next: str | None = Field(None, description=NEXT)


class PersonCredential(BaseModel):
    credential: str
    type: str
    scope: str | None
    number: str | None
    issuer: str | None
    issued: date | None
    expires: date
    status: str
    version: int


class PersonItem(BaseModel):
    id: str
    name: str
    role: str
    home_state: str | None
    email: str | None
    phone: str | None
    credentials: list[PersonCredential]


class People(BaseModel):
    as_of: date
    people: list[PersonItem]
    next: str | None = Field(None, description=NEXT)


class FacilityRequirement(BaseModel):
    source: str = Field(description="facility:<id> or state:<code>; exclusion:<list> for excluded")
    credential: str | None
    any_of: list[str]
    rule: str | None
    role: str
    when: dict[str, list[str]]
    max_age_months: int | None
    valid_days_after_case: int
    issuers: list[str] | None
    enforcement: Literal["block", "warn"]
    accept_grace: bool
    verified: bool
    params: dict[str, Any]


class FacilityDetail(BaseModel):
    as_of: date
    id: str
    name: str
    state: str
    timezone: str
    enforcement: Literal["block", "warn"]
    requirements: list[FacilityRequirement] = Field(description="the state's, then its own")
    cleared_this_week: list[str] = Field(
        description="people cleared for a case here on every day of the week from as_of "
                    "(a case without procedure-specific rules)")


class CoverageWeek(BaseModel):
    week: date = Field(description="the Monday of the ISO week")
    cleared: list[str] = Field(description="people cleared there on every day of the week")
    renewal_submitted: list[str] = Field(description="not cleared only for a submitted renewal")
    cases: int
    peak: int = Field(description="the most cases running at one moment")
    flag: Literal["short", "thin", "ok"]


class CoverageVariant(BaseModel):
    when: dict[str, list[str]]
    label: str
    roles: dict[str, list[CoverageWeek]]


class CoverageFacility(BaseModel):
    id: str
    name: str
    roles: dict[str, list[CoverageWeek]]
    variants: list[CoverageVariant]


class Coverage(BaseModel):
    as_of: date
    weeks: int
    facilities: list[CoverageFacility]


class Delivery(BaseModel):
    recipient: str
    channel: str = Field(description="the channel URL in Apprise's privacy form (secrets masked)")
    status: Literal[STATUSES]
    attempts: int
    last_error: str | None
    next_attempt_at: str | None
    sent_at: str | None


class AlertItem(BaseModel):
    key: str
    kind: str
    person: str | None
    credential: str | None
    stage: int | None
    case: str | None
    as_of: date
    planned_at: str | None
    recipients: list[str]
    title: str
    deliveries: list[Delivery]


class Alerts(BaseModel):
    as_of: date
    alerts: list[AlertItem]
    next: str | None = Field(None, description=NEXT)


# ---------------------------------------------------------------- endpoints


def _json(doc: dict) -> Response:
    """The document as JSON, without FastAPI re-validating it against the response model: the
    models document the API (and schemathesis holds the answers to them), but validating
    10 MB of cases per request would triple its time."""
    return Response(json.dumps(doc, default=_iso, ensure_ascii=False),
                    media_type="application/json")


def _page(request: Request, doc: dict, key: str, limit: int, offset: int,
          more: bool | None = None) -> Response:
    """`doc[key]` cut to one page, with `next` (a relative URL, also sent as `Link: <...>;
    rel="next"`) when more follow. `more` says so when the list was already cut (in SQL)."""
    items = doc[key]
    if more is None:
        more = len(items) > offset + limit
        doc[key] = items[offset:offset + limit]
    nxt = None
    if more:
        query = request.url.include_query_params(limit=limit, offset=offset + limit).query
        nxt = f"{request.url.path}?{query}"
    response = _json({**doc, "next": nxt})
    if nxt:
        response.headers["Link"] = f'<{nxt}>; rel="next"'
    return response


def _iso(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")



@router.get("/status", response_model=Status, summary="Credentials due, by person")
def status(request: Request, pic: Pic,
           within: Annotated[int, Query(ge=0, le=3650, description="days ahead")] = 90,
           person: Annotated[str | None, Query(max_length=200)] = None,
           limit: Limit = 100, offset: Offset = 0):
    return _page(request, report.status_json(pic.visible(), within, person), "items",
                 limit, offset)


@router.get("/cases", response_model=Cases, summary="Clearance of cases")
def cases(request: Request, pic: Pic,
          from_: Annotated[date | None, Query(alias="from", description="default: today")] = None,
          to: Annotated[date | None, Query(description="default: the end of the horizon; "
                                           "before `from`: no cases")] = None,
          case: Annotated[str | None, Query(max_length=200)] = None,
          outcome: Literal["cleared", "warning", "blocked", "unstaffed"] | None = None,
          limit: Limit = 100, offset: Offset = 0):
    if from_ is not None or to is not None:
        # no case lies outside the years of core/limits.py (imports refuse them), so a range
        # is cut to them: the answer is the same, and no date arithmetic can overflow
        start = limits.clamp(from_ or pic.day)
        end = limits.clamp(to or pic.day + timedelta(days=pic.practice.alerts.case_horizon_days))
        clearances = pic.workspace.evaluate(pic.day, start=start, end=end, due=False,
                                            conflicts=False, sync=False).clearances \
            if start <= end else ()
        pic = Picture(pic.workspace, pic.snapshot,
                      replace(pic.evaluation, clearances=clearances), pic.user, pic.index)
    return _page(request, report.cases_json(pic.visible(), case=case, outcome=outcome),
                 "cases", limit, offset)


@router.get("/conflicts", response_model=Conflicts, summary="Differing facility requirements")
def conflicts(request: Request, pic: Pic,
              type: Annotated[str | None, Query(max_length=200)] = None,
              limit: Limit = 100, offset: Offset = 0):
    return _page(request, report.conflicts_json(pic.visible(), type), "conflicts", limit,
                 offset)


@router.get("/people", response_model=People, summary="People and their credentials")
def people(request: Request, pic: Pic, limit: Limit = 100, offset: Offset = 0):
    everyone = pic.people()
    return _page(request, {"as_of": pic.day, "people": [
        {"id": p.id, "name": p.name, "role": p.role, "home_state": p.home_state,
         "email": p.email, "phone": p.phone,
         "credentials": [{"credential": c.id, "type": c.type, "scope": c.scope,
                          "number": c.number, "issuer": c.issuer, "issued": c.issued,
                          "expires": c.expires, "status": c.status, "version": c.version}
                         for c in pic.credentials_of(p.id)]}
        for p in everyone[offset:offset + limit]]}, "people", limit, offset,
                 more=len(everyone) > offset + limit)


@router.get("/alerts", response_model=Alerts, summary="The alert log with delivery status")
def alerts(request: Request, pic: Pic,
           status: Literal[STATUSES] | None = None,
           limit: Limit = 100, offset: Offset = 0):
    person = None if pic.user.is_manager else pic.user.person
    rows = records.alert_log(request.app.state.workspace, person=person, status=status,
                             limit=limit + 1, offset=offset)
    return _page(request, {"as_of": pic.day, "alerts": rows[:limit]}, "alerts", limit, offset,
                 more=len(rows) > limit)


@router.get("/coverage", response_model=Coverage,
            summary="Who is cleared at each facility, per role and week ahead (managers)",
            responses={404: {"description": "No such facility, or not a manager"}})
def coverage(pic: Pic, facility: Annotated[str | None, Query(max_length=200)] = None,
             weeks: Annotated[int, Query(ge=1, le=104)] = 12):
    if not pic.user.is_manager:
        raise auth.Forbidden()
    if facility is not None and facility not in pic.practice.facilities:
        raise HTTPException(404, f"no facility {facility!r}")
    return _json(pic.coverage(weeks=weeks, facility=facility).as_dict())


@router.get("/facilities/{facility_id}", response_model=FacilityDetail,
            summary="A facility's requirements and who is cleared there this week",
            responses={404: {"description": "No such facility"}})
def facility(facility_id: str, pic: Pic):
    f = pic.practice.facilities.get(facility_id)
    if f is None:
        raise HTTPException(404, f"no facility {facility_id!r}")
    state = pic.practice.states.get(f.state)
    reqs = list(state.requirements if state else ()) + list(f.requirements)
    return {"as_of": pic.day, "id": f.id, "name": f.name, "state": f.state,
            "timezone": f.timezone, "enforcement": f.enforcement,
            "requirements": [
                {"source": r.source, "credential": r.credential, "any_of": list(r.any_of),
                 "rule": r.rule, "role": r.role,
                 "when": {k: list(v) for k, v in r.when.items()},
                 "max_age_months": r.max_age_months,
                 "valid_days_after_case": r.valid_days_after_case,
                 "issuers": list(r.issuers) if r.issuers is not None else None,
                 "enforcement": r.enforcement, "accept_grace": r.accept_grace,
                 "verified": r.verified, "params": dict(r.params)} for r in reqs],
            "cleared_this_week": [p.id for p, _ in pic.cleared_this_week(f.id)]}
