"""The web dashboard and JSON API: a FastAPI app over one opened workspace.

    app = create_app("config/example")        # what `nervecenter serve` runs under uvicorn

Pages are rendered on the server with Jinja2 (autoescaped); no JavaScript at all.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import re
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from nervecenter.core.errors import DatabaseError, DiskFull, NerveCenterError
from nervecenter.service.workspace import open_workspace
from nervecenter.store.throttle import LoginThrottle
from nervecenter.store.users import Users
from nervecenter.web import actions, api, auth, calendar, capacity, pages, templating, whatif
from nervecenter.web.bodies import BodyGuard

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


CONFIG_ENV, ON_ENV = "NERVECENTER_CONFIG", "NERVECENTER_SERVE_ON"


def app_from_environment() -> FastAPI:
    """The app each worker of `nervecenter serve --workers N` builds (uvicorn imports this by
    name in every worker process): the configuration directory from $NERVECENTER_CONFIG, the
    fixed day, if any, from $NERVECENTER_SERVE_ON."""
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    on = os.environ.get(ON_ENV)
    return create_app(os.environ.get(CONFIG_ENV, "."), on=date.fromisoformat(on) if on else None)


def create_app(config_dir: str | Path, *, on: date | None = None,
               database_url: str | None = None) -> FastAPI:
    """Open the practice at `config_dir` and build the app. `on` fixes "today" (for demos, tests)."""
    _few_malloc_arenas()
    workspace = open_workspace(config_dir, database_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        workspace.close()  # the latest evaluation's watcher thread

    app = FastAPI(title="NerveCenter", version="1", description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.workspace = workspace
    app.state.on = on
    app.state.users = Users(workspace.store.engine)
    app.state.data_dir = workspace.data_dir
    app.state.login_throttle = LoginThrottle(workspace.store.engine)
    app.state.capacity = capacity.Capacity()
    app.add_middleware(BodyGuard)  # inside the sessions: it reads the one they decode
    app.add_middleware(SessionMiddleware, secret_key=auth.secret_key(app.state.data_dir),
                       session_cookie=auth.SESSION_COOKIE, max_age=auth.SESSION_HOURS * 3600,
                       same_site="lax", https_only=False)
    app.add_middleware(SecurityHeaders)  # outermost: its headers go on every answer
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.templates = templating.templates(workspace)

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.include_router(calendar.router)
    app.include_router(whatif.router)
    _error_handlers(app)
    return app


def _few_malloc_arenas() -> None:
    """glibc gives each of the server's threads (40 answer requests) a heap of its own, and each
    keeps what it once held: with 32 users at once that is 100 MB more that never comes back.
    Two heaps serve a process whose Python code runs one thread at a time anyway."""
    try:
        ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc
        pass


SECURITY_HEADERS = {
    # No script runs on these pages, no page may be framed, and links never carry the URL
    # (a calendar link's token) to another site.
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """ASGI middleware, the outermost of the app's own: every answer gets SECURITY_HEADERS
    (unless it set its own) and, but for /static/, Cache-Control: no-store. An exception before
    the answer began is a one-line error page: a full disk 503, a bug 500 (logged in full); the
    server keeps going. Plain ASGI rather than an `@app.middleware("http")` function, whose
    BaseHTTPMiddleware costs every request a task group and a memory stream."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        private = not scope["path"].startswith("/static/")  # pages hold private data
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if private:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            return await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            disk_full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC
            if started or isinstance(exc, OSError) and not disk_full:
                raise
            request, log = Request(scope, receive), logging.getLogger("nervecenter.web")
            if disk_full:
                log.error("%s %s: %s", request.method, request.url.path, DiskFull(exc.filename))
                response = templating.error(request, 503, "Not done",
                                            str(DiskFull(exc.filename)))
            else:  # a bug: logged in full, shown as one line
                log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
                response = templating.crashed(request)
        await response(scope, receive, send_with_headers)


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc):
        return templating.login_required(request)

    @app.exception_handler(auth.Forbidden)
    async def forbidden(request: Request, exc):
        return templating.error(request, 404, "Not found", "There is nothing here for you.")

    @app.exception_handler(auth.CSRFError)
    async def csrf(request: Request, exc):
        return templating.error(request, 403, "Form expired",
                      "The form was not sent from this site or your session changed; "
                      "reload the page and try again.")

    @app.exception_handler(capacity.Busy)
    async def busy(request: Request, exc: capacity.Busy):
        return templating.error(request, exc.status, "Busy", str(exc),
                                headers={"Retry-After": str(exc.seconds)})

    @app.exception_handler(NerveCenterError)
    async def user_error(request: Request, exc):
        return templating.error(request, 400, "Not done", str(exc))

    @app.exception_handler(DatabaseError)
    async def database_error(request: Request, exc):  # e.g. its disk is full: try again later
        logging.getLogger("nervecenter.web").error(
            "%s %s: %s", request.method, request.url.path, exc)
        return templating.error(request, 503, "Not done", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc):
        return templating.error(request, exc.status_code, "Not found" if exc.status_code == 404 else "Error",
                      str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc):
        fields = "; ".join(f"{'.'.join(str(x) for x in e['loc'][1:])}: {e['msg']}"
                           for e in exc.errors())
        if templating.wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return templating.error(request, 422, "Not done", f"The form is not complete: {fields}")


