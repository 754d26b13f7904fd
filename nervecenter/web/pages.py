"""The HTML pages: login, overview, people, person, cases, case, facilities, facility, alert log."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse

from nervecenter.core.model import Case, Requirement
from nervecenter.service import actions
from nervecenter.store.users import NAME_LENGTH
from nervecenter.web import auth, charts, records
from nervecenter.web.picture import Pic, Picture, stage_class
from nervecenter.web.templating import render

router = APIRouter(include_in_schema=False)
OVERVIEW_LIMIT = 100  # people and cases listed on the overview; the rest are a click away
PAGE_ROWS = 200  # rows of a long HTML list per page; the API and the CSV export give them all
PERSON_ALERTS = 25  # the newest alerts on a person page; the rest on /alerts?person=


def _paged(request: Request, rows: list, page: int) -> tuple[list, dict]:
    """One page of `rows` and what the pager shows: rows a-b of n, links to the pages beside."""
    pages = max(1, -(-len(rows) // PAGE_ROWS))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_ROWS

    def link(n: int) -> str:
        return f"{request.url.path}?{request.url.include_query_params(page=n).query}"

    return rows[start:start + PAGE_ROWS], {
        "total": len(rows), "first": start + 1, "last": min(start + PAGE_ROWS, len(rows)),
        "prev": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None}


def _alert_page(request: Request, page: int, **filters) -> tuple[list, dict]:
    """One page of the alert log (PAGE_ROWS alerts, read in SQL) and its pager: the log is
    as long as the practice's history, so it is never counted."""
    page = max(1, page)
    start = (page - 1) * PAGE_ROWS
    alerts = records.alert_log(request.app.state.workspace, limit=PAGE_ROWS + 1, offset=start,
                               **filters)

    def link(n: int) -> str:
        return f"{request.url.path}?{request.url.include_query_params(page=n).query}"

    shown = alerts[:PAGE_ROWS]
    return shown, {"first": start + 1, "last": start + len(shown), "total": None,
                   "prev": link(page - 1) if page > 1 else None,
                   "next": link(page + 1) if len(alerts) > PAGE_ROWS else None}




# ---------------------------------------------------------------- login


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return render(request, "login.html", next=auth.safe_next(next), user=None)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/"):
    auth.check_csrf(request, csrf_token)
    address = request.client.host if request.client else ""
    throttle = request.app.state.login_throttle
    user = None
    # a name no user can have is wrong at once: no throttle row, no password hashed
    if len(username) <= NAME_LENGTH:
        wait = throttle.begin(address, username)  # counted as a failure until it succeeds
        if wait:
            return render(request, "login.html", status_code=429, next=auth.safe_next(next),
                          error=f"Too many failed logins; try again in {(wait + 59) // 60} "
                                "min.", user=None)
        user = request.app.state.users.authenticate(username, password)
    if user is None:
        return render(request, "login.html", status_code=401, next=auth.safe_next(next),
                      error="Wrong user name or password.", user=None)
    throttle.succeeded(address, username)
    auth.login(request, user)
    home = "/" if user.is_manager else f"/people/{user.person}"
    target = auth.safe_next(next)
    return RedirectResponse(home if target == "/" else target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = ""):
    auth.check_csrf(request, csrf_token)
    auth.logout(request)
    return RedirectResponse("/login", status_code=303)


# ---------------------------------------------------------------- overview and lists


def overview_counts(pic: Picture, failed_deliveries: int) -> dict[str, int]:
    due = pic.due(90)
    return {
        "people": len(pic.people()),
        "due_30": sum(1 for d in due if 0 <= d.days_left <= 30),
        "due_90": sum(1 for d in due if 0 <= d.days_left <= 90),
        "overdue": sum(1 for d in due if d.overdue),
        "cases_not_cleared": len(pic.clearances(not_cleared=True)),
        "failed_deliveries": failed_deliveries,
    }


@router.get("/")
def overview(request: Request, pic: Pic):
    if not pic.user.is_manager:
        return RedirectResponse(f"/people/{pic.user.person}", status_code=303)
    by_person = defaultdict(list)
    for d in pic.due(90):
        by_person[d.credential.person].append(d)
    due_by_person = sorted(by_person.items(), key=lambda kv: (kv[1][0].due, pic.name(kv[0])))
    not_cleared = pic.clearances(not_cleared=True)
    failed = records.failed_delivery_count(request.app.state.workspace)
    return render(request, "overview.html", pic=pic, user=pic.user, as_of=pic.day,
                  counts=overview_counts(pic, failed), limit=OVERVIEW_LIMIT,
                  due_by_person=due_by_person[:OVERVIEW_LIMIT],
                  more_people=max(0, len(due_by_person) - OVERVIEW_LIMIT),
                  not_cleared=not_cleared[:OVERVIEW_LIMIT],
                  more_cases=max(0, len(not_cleared) - OVERVIEW_LIMIT),
                  conflicts=pic.conflicts(),
                  due_chart=charts.due_chart(pic.due(charts.DUE_WEEKS * 7), pic.day, stage_class))


@router.get("/people")
def people(request: Request, pic: Pic, page: int = 1):
    due_counts = defaultdict(int)
    for d in pic.due(90):
        due_counts[d.credential.person] += 1
    shown, pager = _paged(request, pic.people(), page)
    return render(request, "people.html", pic=pic, user=pic.user, as_of=pic.day,
                  people=shown, paging=pager, due_counts=due_counts)


@router.get("/cases")
def cases(request: Request, pic: Pic, outcome: str | None = None, facility: str | None = None,
          page: int = 1):
    """The cases of the horizon; `outcome=` (or `not-cleared`) and `facility=` narrow them."""
    shown = [c for c in pic.clearances(not_cleared=outcome == "not-cleared")
             if outcome in (None, "not-cleared", c.outcome)
             and facility in (None, c.case.facility)]
    shown, pager = _paged(request, shown, page)
    return render(request, "cases.html", pic=pic, user=pic.user, as_of=pic.day,
                  clearances=shown, paging=pager, outcome=outcome)


@router.get("/facilities")
def facilities(request: Request, pic: Pic):
    return render(request, "facilities.html", pic=pic, user=pic.user, as_of=pic.day,
                  facilities=sorted(pic.practice.facilities.values(), key=lambda f: f.name))


# ---------------------------------------------------------------- one of each


@router.get("/people/{person_id}")
def person(request: Request, person_id: str, pic: Pic):
    p = pic.person(person_id)
    if p is None:
        raise auth.Forbidden()
    ws = request.app.state.workspace
    credentials, cases = pic.credentials_of(p.id), pic.cases_of(p.id)
    alerts = records.alert_log(ws, person=p.id, limit=PERSON_ALERTS + 1)
    history = records.history(ws, p.id)
    types = pic.practice.credential_types
    return render(request, "person.html", pic=pic, user=pic.user, as_of=pic.day, person=p,
                  credentials=credentials,
                  cards=[Card(c, pic.due_of(c.id), types, history) for c in credentials],
                  ce=records.ce_progress(pic, p.id),
                  cases=cases,
                  alerts=records.deliveries(alerts[:PERSON_ALERTS]),
                  older_alerts=len(alerts) > PERSON_ALERTS,
                  timeline=charts.timeline(credentials, cases, pic.day,
                                           _credential_label(pic), pic.practice.stages_for),
                  accept=", ".join(actions.DOCUMENT_TYPES))


class Card:
    """What a person page's card of one credential shows, worked out once in Python rather
    than by a macro, calls and filters for each value in the template (a person page has a
    dozen cards; the template still escapes every value)."""

    __slots__ = ("credential", "due", "due_reason", "history", "id", "name", "stage", "status",
                 "type_name", "when")

    def __init__(self, c, d, types, history: dict[str, list[dict]]):
        self.credential, self.id = c, c.id
        self.type_name = types[c.type].name if c.type in types else c.type
        self.name = f"{self.type_name} {c.scope}" if c.scope else self.type_name
        self.status = c.status.replace("_", " ")
        versions = history.get(self.id, ())
        self.history = versions if len(versions) > 1 else ()  # shown from a second version on
        if d is None:
            self.stage = self.due = self.when = self.due_reason = ""
            return
        self.stage = " " + stage_class(d)  # the card's class and its stage's, after a space
        self.due, self.due_reason = d.due, d.due_reason
        self.when = (f"{d.overdue} {-d.days_left} d ago" if d.overdue
                     else "due today" if d.days_left == 0 else f"{d.days_left} d")


@router.get("/people/{person_id}/credentials/{credential_id}/documents/{index}")
def document(request: Request, person_id: str, credential_id: str, index: int, pic: Pic):
    """A credential's document, for whoever may see that person; only files inside the
    practice's documents folder are served (core/documents.py)."""
    if pic.person(person_id) is None:
        raise auth.Forbidden()
    credential = next((c for c in pic.credentials_of(person_id) if c.id == credential_id), None)
    if credential is None or not 0 <= index < len(credential.documents):
        raise auth.Forbidden()
    path = records.document_path(request.app.state.workspace, credential.documents[index])
    if path is None:
        raise auth.Forbidden()
    return FileResponse(path, filename=path.name, content_disposition_type="attachment")


@router.get("/cases/{case_id}")
def case(request: Request, case_id: str, pic: Pic):
    c = pic.case(case_id)
    if c is None:
        raise auth.Forbidden()
    clearance = pic.clearance_for(c)
    facility = pic.practice.facilities.get(c.facility)
    rows = []
    for r in requirements_of(pic, c):
        # A problem belongs to the requirement with its source, type (or rule) and role.
        problems = [p for p in clearance.problems
                    if p.source == r.source and p.type in (r.types or (r.rule,))
                    and (r.role == "any" or p.role == r.role)]
        assigned = {"technologist": c.technologist, "reader": c.reader}.get(r.role, True)
        met, why = (None, f"no {r.role} assigned") if not assigned else (not problems, "")
        if not pic.user.is_manager and assigned not in (True, pic.user.person):
            met, why, problems = None, "another person's", []
        elif not pic.user.is_manager:
            problems = [p for p in problems if p.person == pic.user.person]
            met = met if met is None else not problems
        rows.append({"text": describe(pic, r), "source": r.source, "who": _who(pic, c, r),
                     "met": met, "why": why, "problems": problems})
    return render(request, "case.html", pic=pic, user=pic.user, as_of=pic.day, case=c,
                  clearance=clearance, facility=facility, requirements=rows)


@router.get("/facilities/{facility_id}")
def facility(request: Request, facility_id: str, pic: Pic):
    f = pic.practice.facilities.get(facility_id)
    if f is None:
        raise auth.Forbidden()
    reqs = list(pic.practice.states.get(f.state).requirements
                if f.state in pic.practice.states else ()) + list(f.requirements)
    rows = [{"text": describe(pic, r), "source": r.source, "who": r.role,
             "enforcement": r.enforcement} for r in reqs]
    cov = pic.coverage(facility=f.id) if pic.user.is_manager else None
    return render(request, "facility.html", pic=pic, user=pic.user, as_of=pic.day, facility=f,
                  requirements=rows, cleared=pic.cleared_this_week(f.id),
                  week_start=pic.day, week_end=pic.day + timedelta(days=6),
                  clearances=[c for c in pic.clearances() if c.case.facility == f.id],
                  coverage=cov,
                  charts={role: charts.coverage_chart(weeks, f"{role}s, all cases")
                          for role, weeks in cov.facilities[0].roles.items()} if cov else {},
                  rules_yaml=_facility_yaml(pic, f) if pic.user.is_manager else "")


def _credential_label(pic: Picture):
    types = pic.practice.credential_types

    def label(c) -> str:
        name = types[c.type].name if c.type in types else c.type
        return f"{name} {c.scope}" if c.scope else name
    return label


def _facility_yaml(pic: Picture, f) -> str:
    """The facility's own file, to start the what-if form from."""
    if f.location is None:
        return ""
    path = pic.practice.config_dir / "facilities" / Path(f.location.file).name
    return path.read_text() if path.is_file() else ""


@router.get("/alerts")
def alerts(request: Request, pic: Pic, status: str | None = None, person: str | None = None,
           page: int = 1):
    """The alert log, newest first, PAGE_ROWS alerts a page; `status=` and `person=` narrow it
    (a person user sees only their own)."""
    ws = request.app.state.workspace
    if not pic.user.is_manager:
        person = pic.user.person
    elif person is not None and pic.person(person) is None:
        raise auth.Forbidden()
    shown, pager = _alert_page(request, page, person=person,
                               status=status if status in records.STATUSES else None)
    rows = records.deliveries(shown)
    if status:
        rows = [d for d in rows if d["status"] == status]
    return render(request, "alerts.html", pic=pic, user=pic.user, as_of=pic.day, alerts=rows,
                  paging=pager, person=pic.person(person) if person else None,
                  silences=records.silences(ws, pic.day) if pic.user.is_manager else [])


# ---------------------------------------------------------------- requirements in words


def requirements_of(pic: Picture, case: Case) -> list[Requirement]:
    """The state's and the facility's requirements whose `when` matches the case."""
    facility = pic.practice.facilities.get(case.facility)
    if facility is None:
        return []
    state = pic.practice.states.get(facility.state)
    reqs = list(state.requirements if state else ()) + list(facility.requirements)
    return [r for r in reqs if all(case.value(k) in v for k, v in r.when.items())]


def describe(pic: Picture, r: Requirement) -> str:
    types = pic.practice.credential_types

    def name(t):
        return types[t].name if t in types else t

    if r.rule:
        params = ", ".join(f"{k} {v}" for k, v in r.params.items())
        text = f"{r.rule.replace('_', ' ')}" + (f" ({params})" if params else "")
    elif r.credential:
        text = name(r.credential)
    else:
        text = "one of " + ", ".join(name(t) for t in r.any_of)
    if r.state:
        text += f" of {r.state}"
    if r.facility:
        text += f" at {r.facility}"
    extras = []
    if r.max_age_months:
        extras.append(f"issued within {r.max_age_months} months of the case")
    if r.valid_days_after_case:
        extras.append(f"valid {r.valid_days_after_case} days after the case")
    if r.issuers:
        extras.append("issued by " + " or ".join(r.issuers))
    if r.verified:
        extras.append("primary-source verified")
    if r.accept_grace:
        extras.append("grace period accepted")
    if r.when:
        extras.append("when " + "; ".join(f"{k} is {' or '.join(v)}" for k, v in r.when.items()))
    return text + (": " + ", ".join(extras) if extras else "")


def _who(pic: Picture, case: Case, r: Requirement) -> str:
    if r.role == "any":
        return "everyone on the case"
    person = case.technologist if r.role == "technologist" else case.reader
    return f"{r.role} {pic.name(person)}" if person else r.role
