"""Form actions: renewal submitted, record a renewal (with a document), silence alerts.

Every action checks the CSRF token and that the user may change that person's records, then calls
the one implementation the CLI shares (nervecenter.service.actions), as `web:<user>`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse

from nervecenter.core.errors import NerveCenterError
from nervecenter.data.roster import parse_date
from nervecenter.service import actions
from nervecenter.store.users import User
from nervecenter.web import auth
from nervecenter.web.picture import take_picture, wrote
from nervecenter.web.templating import flash

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=500)]


def _actor(user: User) -> str:
    return f"web:{user.name}"


def _date(value: str, field: str) -> date:
    """A date in any form an import takes (the CLI's `renew` takes the same)."""
    try:
        return parse_date(value.strip())
    except ValueError as e:
        raise NerveCenterError(f"{field}: {e}") from None


def _own_credential(request: Request, user: User, person_id: str, credential_id: str):
    """The credential, if it is the person's and the user may change that person's records."""
    pic = take_picture(request, user)
    if pic.person(person_id) is None:
        raise auth.Forbidden()
    for c in pic.credentials_of(person_id):
        if c.id == credential_id:
            return pic, c
    raise auth.Forbidden()


@router.post("/people/{person_id}/credentials/{credential_id}/submitted")
def submitted(request: Request, person_id: str, credential_id: str, user: auth.CurrentUser,
              csrf_token: Field = ""):
    auth.check_csrf(request, csrf_token)
    _, credential = _own_credential(request, user, person_id, credential_id)
    actions.renewal_submitted(request.app.state.workspace, _actor(user), credential.person,
                              credential.type, credential.scope)
    wrote(request)
    flash(request, f"Renewal of {credential.id} recorded as submitted.")
    return RedirectResponse(f"/people/{person_id}#{credential_id}", status_code=303)


@router.post("/people/{person_id}/credentials/{credential_id}/renew")
def renew(request: Request, person_id: str, credential_id: str, user: auth.CurrentUser,
          csrf_token: Field = "", expires: Field = "", issued: Field = "", number: Field = "",
          document: Annotated[UploadFile | None, File()] = None):
    auth.check_csrf(request, csrf_token)
    _, credential = _own_credential(request, user, person_id, credential_id)
    new_expiry = _date(expires, "new expiry")
    new_issued = _date(issued, "issued") if issued.strip() else None
    ws = request.app.state.workspace
    path = None
    if document is not None and document.filename:
        data = document.file.read(actions.MAX_DOCUMENT_BYTES + 1)
        path = actions.upload(ws, person_id, document.filename, data)
    actions.renew(ws, _actor(user), credential.person, credential.type, credential.scope,
                  expires=new_expiry, issued=new_issued, number=number.strip(), document=path)
    wrote(request)
    flash(request, f"Renewal of {credential.id} recorded: expires {new_expiry}.")
    return RedirectResponse(f"/people/{person_id}#{credential_id}", status_code=303)


@router.post("/silences")
def silence(request: Request, user: auth.Manager, csrf_token: Field = "",
            credential: Field = "", until: Field = "", reason: Field = "",
            back: Field = "/alerts"):
    auth.check_csrf(request, csrf_token)
    day = _date(until, "until")
    actions.silence(request.app.state.workspace, _actor(user), until=day,
                    credential=credential.strip(), reason=reason, on=request.app.state.on)
    flash(request, f"Alerts for {credential} silenced until {day}.")
    return RedirectResponse(auth.safe_next(back), status_code=303)
