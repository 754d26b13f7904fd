"""The web dashboard and JSON API: a FastAPI app over one opened workspace.

    app = create_app("config/example")        # what `nervecenter serve` runs under uvicorn

Pages are rendered on the server with Jinja2 (autoescaped); no JavaScript at all.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from nervecenter.core.errors import NerveCenterError
from nervecenter.core.users import Users
from nervecenter.web import auth

HERE = Path(__file__).parent
API_DESCRIPTION = """The same picture as the `nervecenter` CLI's JSON output, with the same keys.

Authenticate with `Authorization: Bearer <token>` (a token from `nervecenter users token NAME`).
A manager sees the whole practice; a person user sees only their own records."""


class RedactTokens(logging.Filter):
    """Masks `token=` values (calendar feed links) in uvicorn's access log lines."""

    TOKEN = re.compile(r"(token=)[^&\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.TOKEN.sub(r"\1****", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def data_dir(workspace) -> Path:
    """Where the web keeps files beside the database: uploaded documents, the session key."""
    from sqlalchemy.engine import make_url

    url = make_url(workspace.practice.database)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return Path(workspace.practice.config_dir) / ".nervecenter"


def create_app(config_dir: str | Path, *, on: date | None = None,
               database_url: str | None = None) -> FastAPI:
    """Open the practice at `config_dir` and build the app. `on` fixes "today" (for demos, tests)."""
    from nervecenter.core.workspace import open_workspace

    workspace = open_workspace(config_dir, database_url)
    app = FastAPI(title="NerveCenter", version="1", description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None)
    app.state.workspace = workspace
    app.state.on = on
    app.state.users = Users(workspace.store.engine)
    app.state.data_dir = data_dir(workspace)
    app.state.login_throttle = auth.LoginThrottle()
    app.state.lock = threading.Lock()  # one re-import and evaluation at a time
    app.state.evaluated = None  # ((day, data version), snapshot, evaluation, index)
    app.add_middleware(SessionMiddleware, secret_key=auth.secret_key(app.state.data_dir),
                       session_cookie=auth.SESSION_COOKIE, max_age=auth.SESSION_HOURS * 3600,
                       same_site="lax", https_only=False)
    app.middleware("http")(_security_headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.templates = _templates(workspace)

    from nervecenter.web import actions, api, calendar, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.include_router(calendar.router)
    _error_handlers(app)
    return app


SECURITY_HEADERS = {
    # No script runs on these pages, no page may be framed, and links never carry the URL
    # (a calendar link's token) to another site.
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


async def _security_headers(request: Request, call_next):
    try:
        response = await call_next(request)
    except Exception as exc:  # a bug: logged in full, shown as one line, the server keeps going
        logging.getLogger("nervecenter.web").error(
            "%s %s failed", request.method, request.url.path, exc_info=exc)
        response = _crashed(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold private data
    return response


def _templates(workspace) -> Jinja2Templates:
    from nervecenter.web.picture import stage_class

    templates = Jinja2Templates(directory=HERE / "templates")  # autoescape is on for .html
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
    return request.app.state.templates.TemplateResponse(
        request, name, {"user": user, "csrf": auth.csrf_token(request), "flashes": flashes,
                        "as_of": context.pop("as_of", None), **context},
        status_code=status_code)


def flash(request: Request, message: str) -> None:
    request.session.setdefault("flash", []).append(message)
    request.session["flash"] = request.session["flash"]  # mark the session changed


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/calendar/")


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc):
        if _wants_json(request):
            return JSONResponse({"detail": "log in: send Authorization: Bearer <token>"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(auth.Forbidden)
    async def forbidden(request: Request, exc):
        return _error(request, 404, "Not found", "There is nothing here for you.")

    @app.exception_handler(auth.CSRFError)
    async def csrf(request: Request, exc):
        return _error(request, 403, "Form expired",
                      "The form was not sent from this site or your session changed; "
                      "reload the page and try again.")

    @app.exception_handler(NerveCenterError)
    async def user_error(request: Request, exc):
        return _error(request, 400, "Not done", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc):
        return _error(request, exc.status_code, "Not found" if exc.status_code == 404 else "Error",
                      str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc):
        fields = "; ".join(f"{'.'.join(str(x) for x in e['loc'][1:])}: {e['msg']}"
                           for e in exc.errors())
        if _wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return _error(request, 422, "Not done", f"The form is not complete: {fields}")


def _crashed(request: Request):
    message = "This request failed; the server's log has the details."
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=500)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"user": None, "csrf": "", "flashes": [], "as_of": None,
                                "heading": "Something went wrong", "message": message},
        status_code=500)


def _error(request: Request, status: int, heading: str, message: str, headers=None):
    if _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return render(request, "error.html", status_code=status, heading=heading, message=message)
