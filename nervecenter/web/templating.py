"""Rendering: the Jinja2 environment, pages with the user and CSRF token filled in, flashes
and the one-line error pages."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from nervecenter.web import auth
from nervecenter.web.picture import stage_class

HERE = Path(__file__).parent


def templates(workspace) -> Jinja2Templates:
    # templates change only with the code: not looked at again on every page (auto_reload)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=jinja2.select_autoescape(), auto_reload=False)
    templates = Jinja2Templates(env=env)  # autoescape is on for .html
    assert templates.env.autoescape
    types = workspace.practice.credential_types
    templates.env.globals.update(
        stage_class=stage_class,
        type_name=lambda t: types[t].name if t in types else t,
        value=_value,
        practice=workspace.practice)
    return templates


def _value(v) -> str:
    """A rule's value for people: lists joined, no limit shown as a dash."""
    if v is None:
        return "—"
    if isinstance(v, list | tuple | set):
        return ", ".join(str(x) for x in v)
    return str(v)


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page with the user, the CSRF token and the day filled in."""
    user = context.pop("user", None) or auth.optional_user(request)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    failing = request.app.state.workspace.source_problems() if user else []
    done = getattr(context.get("pic"), "finished", None)
    return request.app.state.templates.TemplateResponse(
        request, name, {"user": user, "csrf": auth.csrf_token(request), "flashes": flashes,
                        "as_of": context.pop("as_of", None), "source_problems": failing,
                        # when the evaluation shown read its data; a newer one is on its way
                        "read_at": getattr(done, "read_at", None),
                        "updating": getattr(done, "updating", False),
                        **context},
        status_code=status_code)


def flash(request: Request, message: str) -> None:
    request.session.setdefault("flash", []).append(message)
    request.session["flash"] = request.session["flash"]  # mark the session changed


def login_required(request: Request):
    """The answer to a request without a valid session or token: the API's 401, a page's
    redirect to /login (and back here after it)."""
    from urllib.parse import quote

    if wants_json(request):
        return JSONResponse({"detail": "log in: send Authorization: Bearer <token>"},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/calendar/")


def crashed(request: Request):
    message = "This request failed; the server's log has the details."
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=500)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"user": None, "csrf": "", "flashes": [], "as_of": None,
                                "heading": "Something went wrong", "message": message},
        status_code=500)


def error(request: Request, status: int, heading: str, message: str, headers=None):
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return render(request, "error.html", status_code=status, heading=heading, message=message)
