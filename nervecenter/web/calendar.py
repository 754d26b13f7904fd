"""iCalendar feeds of due dates, for the practice and per person, behind a per-user feed token.

Calendar applications cannot log in, so a feed URL carries a secret `token` (made on the
/calendar page, stored hashed, replaced by the next one made). A manager's token opens every
feed; a person user's opens only their own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from icalendar import Alarm, Calendar, Event, vText

from nervecenter.core import clock
from nervecenter.store.users import User
from nervecenter.web import auth
from nervecenter.web.picture import Picture, take_picture
from nervecenter.web.templating import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str | None, Query(max_length=200)]


@router.get("/calendar")
def page(request: Request, user: auth.CurrentUser):
    return render(request, "calendar.html", user=user, links=[])


@router.post("/calendar")
def new_link(request: Request, user: auth.CurrentUser,
             csrf_token: Annotated[str, Form()] = ""):
    auth.check_csrf(request, csrf_token)
    token = request.app.state.users.new_feed_token(user.name)
    # never from the Host header: a forged one would send the feed token to another site
    base = request.app.state.workspace.practice.base_url or ""
    if user.is_manager:
        links = [("Whole practice", f"{base}/calendar/practice.ics?token={token}")]
        pic = take_picture(request, user)
        links += [(p.name, f"{base}/calendar/people/{p.id}.ics?token={token}")
                  for p in pic.people()]
    else:
        links = [("Your due dates", f"{base}/calendar/people/{user.person}.ics?token={token}")]
    return render(request, "calendar.html", user=user, links=links)


def _feed_user(request: Request, token: str | None) -> User:
    user = request.app.state.users.by_feed_token(token) if token else auth.optional_user(request)
    if user is None:
        raise auth.LoginRequired()
    return user


@router.get("/calendar/practice.ics")
def practice_feed(request: Request, token: Token = None):
    user = _feed_user(request, token)
    if not user.is_manager:
        raise auth.Forbidden()
    pic = take_picture(request, user)
    return _ics(pic, pic.due(None), f"{pic.practice.name}: due dates", request.app.state.on)


@router.get("/calendar/people/{person_id}.ics")
def person_feed(request: Request, person_id: str, token: Token = None):
    user = _feed_user(request, token)
    pic = take_picture(request, user)
    person = pic.person(person_id)
    if person is None:
        raise auth.Forbidden()
    return _ics(pic, pic.due(None, person_id), f"{person.name}: due dates",
                request.app.state.on)


def _ics(pic: Picture, due_dates, title: str, on) -> Response:
    cal = Calendar()
    cal.add("prodid", "-//NerveCenter//due dates//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", vText(title))  # TEXT: a comma in a name is escaped
    # under a fixed day (`serve --on`), the feed is stamped with that day, not the wall clock
    stamp = clock.utcnow(on).replace(microsecond=0)
    types = pic.practice.credential_types
    for d in due_dates:
        c = d.credential
        name = types[c.type].name if c.type in types else c.type
        scope = f" {c.scope}" if c.scope else ""
        event = Event()
        event.add("uid", f"{c.id}:v{c.version}:{d.due}@nervecenter")
        event.add("dtstamp", stamp)
        event.add("dtstart", d.due)
        event.add("dtend", d.due + timedelta(days=1))
        event.add("summary", f"{name}{scope} due: {pic.name(c.person)}")
        why = f"Due {d.due}" + (f" ({d.due_reason})" if d.due_reason else "") + \
            f"; expires {c.expires}; status {c.status.replace('_', ' ')}."
        event.add("description", why)
        event.add("categories", [c.type])
        # a reminder when the renewal should start (its usual lead time, at least 30 days)
        lead = max(types[c.type].renewal_lead_days if c.type in types else 0, 30)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(days=-lead))
        alarm.add("description", f"{name}{scope} of {pic.name(c.person)} is due in {lead} days")
        event.add_component(alarm)
        cal.add_component(event)
    return Response(cal.to_ical(), media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})
