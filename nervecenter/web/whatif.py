"""What if, for managers: the forms on the person and facility pages lead here. Nothing is
written; the answer is the workspace's one `whatif`, as `nervecenter whatif` prints it."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request

from nervecenter.core.errors import NerveCenterError
from nervecenter.rules.whatif import Change
from nervecenter.web import auth, capacity
from nervecenter.web.picture import Pic, Picture
from nervecenter.web.templating import render

router = APIRouter(include_in_schema=False)
RULES_LIMIT = 100_000  # characters of a facility's YAML pasted into the form


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise NerveCenterError(f"{field}: {value!r} is not a date; use YYYY-MM-DD") from None


def _answer(request: Request, pic: Picture, change: Change, facility_file=None):
    if change.is_empty():
        raise NerveCenterError("say what changes: a person who leaves, a credential that lapses "
                               "or is renewed, or a facility's rules")
    with capacity.heavy(request):
        result = pic.workspace.whatif(change, pic.day, facility_file=facility_file, sync=False)
    return render(request, "whatif.html", pic=pic, user=pic.user, as_of=pic.day, result=result,
                  said=change.as_dict(pic.day))


@router.get("/whatif")
def whatif(request: Request, pic: Pic, without: str | None = None, lapse: str | None = None,
           renew: str | None = None, expires: str | None = None):
    """`from` (a Python keyword) is read from the query string as it is."""
    if not pic.user.is_manager:
        raise auth.Forbidden()
    since = _date(request.query_params.get("from"), "from")
    if (renew or None) is not None and not expires:
        raise NerveCenterError("a renewal needs its new expiry date")
    change = Change(without=without or None, since=since if without else None,
                    lapse=lapse or None, renew=renew or None,
                    expires=_date(expires, "expires") if renew else None)
    return _answer(request, pic, change)


@router.post("/whatif/facility-rules")
def facility_rules(request: Request, pic: Pic,
                   rules: Annotated[str, Form(max_length=RULES_LIMIT)] = "",
                   csrf_token: Annotated[str, Form()] = ""):
    """A facility's rules pasted as YAML (as in facilities/), tried in place of its own."""
    auth.check_csrf(request, csrf_token)
    if not pic.user.is_manager:
        raise auth.Forbidden()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yaml"
        path.write_text(rules)
        try:
            return _answer(request, pic, Change(facility_rules="the rules entered"), path)
        except NerveCenterError as e:
            raise NerveCenterError(str(e).replace(str(path), "the rules entered")) from None
