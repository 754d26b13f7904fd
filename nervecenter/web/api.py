"""The JSON API under /api/: the CLI's JSON keys (docs/contract.md), documented by OpenAPI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, Security
from fastapi.responses import StreamingResponse
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from nervecenter.alerts.ledger import STATUSES
from nervecenter.core import limits
from nervecenter.data import report
from nervecenter.web import auth, capacity, records
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
    cases: list[str] = Field(description="ids of the cases in the horizon it endangers: those "
                                         "its holder is not cleared for because of it")


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
    return Response(_dumps(doc), media_type="application/json")


def _dumps(doc) -> str:
    return json.dumps(doc, default=_iso, ensure_ascii=False)


CHUNK = 100  # items serialised at a time in a streamed answer
BUSY = {503: {"description": "Too many long requests (coverage, CSV, ranges of dates outside "
                             "the evaluation) at once: try again after `Retry-After` seconds"}}
OFTEN = {429: {"description": "A range of dates outside the latest evaluation is evaluated "
                              "anew, once per 10 s per user: try again after `Retry-After` "
                              "seconds"}}
CSV = {200: {"description": "CSV, the columns of the command's `--format csv`",
             "content": {"text/csv": {"schema": {"type": "string"}}}}}


MARK = "\0items\0"


class Raw(str):
    """An item already made JSON (kept with the evaluation)."""


def _skeleton(doc: dict, key: str) -> str:
    """`doc` as JSON with a mark where the list under `key` goes (see _page)."""
    return _dumps({**doc, key: MARK})


def _page(request: Request, doc: dict | str, key: str, items: list, convert, limit: int,
          offset: int) -> Response:
    """`doc` (or its _skeleton, kept with the evaluation when it costs) with one page of
    `items` (at most `limit + 1` of them, from `offset` on: the one beyond says another page
    follows) under `key`, each made JSON by `convert`, and `next` (a relative URL, also sent
    as `Link: <...>; rel="next"`) when more follow. Streamed: a page of 1,000 is never held
    as one string, nor its dicts all at once."""
    more = len(items) > limit
    items = items[:limit]
    nxt = None
    if more:
        query = request.url.include_query_params(limit=limit, offset=offset + limit).query
        nxt = f"{request.url.path}?{query}"
    text = doc if isinstance(doc, str) else _skeleton(doc, key)
    head, tail = text.split(_dumps(MARK), 1)
    tail = f'{tail[:-1]}, "next": {_dumps(nxt)}}}'

    def piece(part: list) -> str:
        made = [convert(x) for x in part]
        if made and isinstance(made[0], Raw):
            return ",".join(made)
        return _dumps(made)[1:-1]

    def chunks():
        yield head + "["
        for n in range(0, len(items), CHUNK):
            yield ("," if n else "") + piece(items[n:n + CHUNK])
        yield "]" + tail

    headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else None
    if len(items) <= CHUNK:  # one piece: made here, without a hop per piece to a thread
        return Response("".join(chunks()), media_type="application/json", headers=headers)
    return StreamingResponse(chunks(), media_type="application/json", headers=headers)


def _as_dict(item) -> dict:
    return item.as_dict()


def _same(item):
    return item


def _iso(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _csv(request: Request, name: str, columns: list[str], rows) -> StreamingResponse:
    """The whole CSV, streamed (500 rows at a time); a heavy request while it runs."""
    release = capacity.take(request)

    def chunks():
        try:
            yield from report.csv_chunks(columns, rows)
        finally:
            release()

    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'},
                             background=BackgroundTask(release))


@router.get("/status", response_model=Status, summary="Credentials due, by person")
def status(request: Request, pic: Pic,
           within: Annotated[int, Query(ge=0, le=3650, description="days ahead")] = 90,
           person: Annotated[str | None, Query(max_length=200)] = None,
           limit: Limit = 100, offset: Offset = 0):
    ev = pic.visible()
    items = report.due_items(ev, within, person, page=slice(offset, offset + limit + 1))
    # the CE shortfalls come whole with every page (500 at 5,000 people): made JSON once
    doc = pic.finished.keep(("status", person, pic.user.person),
                            lambda: _skeleton(report.status_json(ev, within, person, items=[]),
                                              "items"))
    return _page(request, doc, "items", items, _as_dict, limit, offset)


@router.get("/status.csv", summary="Credentials due, as `status --format csv` (all of them)",
            response_class=StreamingResponse, responses={**CSV, **BUSY})
def status_csv(request: Request, pic: Pic,
               within: Annotated[int, Query(ge=0, le=3650, description="days ahead")] = 90,
               person: Annotated[str | None, Query(max_length=200)] = None):
    ev = pic.visible()
    return _csv(request, "status.csv", report.STATUS_CSV,
                report.status_csv_rows(ev, report.due_items(ev, within, person)))


def _range(request: Request, pic: Picture, from_: date | None, to: date | None) -> Picture:
    """The picture with the clearances of the cases from `from_` (default its day) to `to`
    (default the end of the horizon): cut from the latest evaluation when the range lies in
    its horizon; else evaluated on its snapshot, at most once per EVALUATION_EVERY seconds
    for each user (capacity.asked), and kept with it."""
    if from_ is None and to is None:
        return pic
    # no case lies outside the years of core/limits.py (imports refuse them), so a range is
    # cut to them: the answer is the same, and no date arithmetic can overflow
    start = limits.clamp(from_ or pic.day)
    end = limits.clamp(to or pic.day + timedelta(days=pic.practice.alerts.case_horizon_days))
    if start <= end and not pic.finished.knows(start, end):
        with capacity.heavy(request):
            capacity.asked(request, pic.user)
            clearances = pic.finished.cases(start, end)
    else:
        clearances = pic.finished.cases(start, end)
    return replace(pic, evaluation=replace(pic.evaluation, clearances=clearances))


@router.get("/cases", response_model=Cases, summary="Clearance of cases",
            responses={**OFTEN, **BUSY})
def cases(request: Request, pic: Pic,
          from_: Annotated[date | None, Query(alias="from", description="default: today")] = None,
          to: Annotated[date | None, Query(description="default: the end of the horizon; "
                                           "before `from`: no cases")] = None,
          case: Annotated[str | None, Query(max_length=200)] = None,
          outcome: Literal["cleared", "warning", "blocked", "unstaffed"] | None = None,
          limit: Limit = 100, offset: Offset = 0):
    ev = _range(request, pic, from_, to).visible()
    items = report.clearances(ev, case=case, outcome=outcome,
                              page=slice(offset, offset + limit + 1))
    return _page(request, report.cases_json(ev, items=[]), "cases", items, _as_dict, limit,
                 offset)


@router.get("/cases.csv", summary="Clearance of cases, as `cases --format csv` (all of them)",
            response_class=StreamingResponse, responses={**CSV, **OFTEN, **BUSY})
def cases_csv(request: Request, pic: Pic,
              from_: Annotated[date | None, Query(alias="from", description="default: today")]
              = None,
              to: Annotated[date | None, Query(description="default: the end of the horizon")]
              = None,
              outcome: Literal["cleared", "warning", "blocked", "unstaffed"] | None = None):
    ev = _range(request, pic, from_, to).visible()
    return _csv(request, "cases.csv", report.CASES_CSV,
                report.cases_csv_rows(report.clearances(ev, outcome=outcome)))


@router.get("/conflicts", response_model=Conflicts, summary="Differing facility requirements")
def conflicts(request: Request, pic: Pic,
              type: Annotated[str | None, Query(max_length=200)] = None,
              limit: Limit = 100, offset: Offset = 0):
    ev = pic.visible()
    items = report.conflicts(ev, type, page=slice(offset, offset + limit + 1))
    return _page(request, report.conflicts_json(ev, type, items=[]), "conflicts", items,
                 _as_dict, limit, offset)


@router.get("/people", response_model=People, summary="People and their credentials")
def people(request: Request, pic: Pic, limit: Limit = 100, offset: Offset = 0):
    known = pic.finished.memo("api.people")  # each person's JSON, made once per evaluation

    def person(p) -> Raw:
        if p.id not in known:
            known[p.id] = Raw(_dumps({
                "id": p.id, "name": p.name, "role": p.role, "home_state": p.home_state,
                "email": p.email, "phone": p.phone,
                "credentials": [{"credential": c.id, "type": c.type, "scope": c.scope,
                                 "number": c.number, "issuer": c.issuer, "issued": c.issued,
                                 "expires": c.expires, "status": c.status,
                                 "version": c.version} for c in pic.credentials_of(p.id)]}))
        return known[p.id]

    return _page(request, {"as_of": pic.day}, "people",
                 pic.people()[offset:offset + limit + 1], person, limit, offset)


@router.get("/alerts", response_model=Alerts, summary="The alert log with delivery status")
def alerts(request: Request, pic: Pic,
           status: Literal[STATUSES] | None = None,
           limit: Limit = 100, offset: Offset = 0):
    person = None if pic.user.is_manager else pic.user.person
    rows = records.alert_log(request.app.state.workspace, person=person, status=status,
                             limit=limit + 1, offset=offset)
    return _page(request, {"as_of": pic.day}, "alerts", rows, _same, limit, offset)


@router.get("/coverage", response_model=Coverage,
            summary="Who is cleared at each facility, per role and week ahead (managers)",
            responses={404: {"description": "No such facility, or not a manager"}, **BUSY})
def coverage(request: Request, pic: Pic, facility: Annotated[str | None, Query(max_length=200)] = None,
             weeks: Annotated[int, Query(ge=1, le=104)] = 12):
    if not pic.user.is_manager:
        raise auth.Forbidden()
    if facility is not None and facility not in pic.practice.facilities:
        raise HTTPException(404, f"no facility {facility!r}")
    with capacity.heavy(request):
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
