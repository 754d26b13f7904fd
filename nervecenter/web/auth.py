"""Who is asking: the session cookie of a logged-in browser, or an API bearer token; and CSRF.

The session is Starlette's signed cookie (HttpOnly, SameSite=Lax) holding the user name and a
random CSRF token. Every form carries that token and every form POST is checked against it.
"""

from __future__ import annotations

import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from nervecenter.core import clock
from nervecenter.store.users import User, Users

SESSION_COOKIE = "nervecenter_session"
SESSION_HOURS = 12
SECRET_ENV = "NERVECENTER_SECRET_KEY"


class LoginRequired(Exception):
    """No valid session or token; pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """Logged in, but this is not theirs to see or change (answered as 404, not found)."""


class CSRFError(Exception):
    """A form POST without the session's CSRF token."""


def secret_key(data_dir: Path) -> str:
    """The key that signs session cookies: $NERVECENTER_SECRET_KEY, else a file made once."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    path = data_dir / "web-secret"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (also for the login form)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not token or not hmac.compare_digest(expected, token):
        raise CSRFError()


def login(request: Request, user: User) -> None:
    """Start a fresh session (a new CSRF token, nothing kept from before: no fixation)."""
    request.session.clear()
    request.session["user"] = user.name
    request.session["stamp"] = user.stamp
    request.session["sid"] = secrets.token_urlsafe(24)
    request.session["csrf"] = secrets.token_urlsafe(32)


def logout(request: Request) -> None:
    """End the session here and for any copy of its cookie (the cookie itself stays valid as
    signed data until it expires, so its id is refused until then)."""
    sid = request.session.get("sid")
    if isinstance(sid, str):
        request.app.state.users.end_session(sid, clock.utcnow() + timedelta(hours=SESSION_HOURS))
    request.session.clear()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def optional_user(request: Request) -> User | None:
    """The user behind the request's bearer token or session cookie, if any."""
    users: Users = request.app.state.users
    token = _bearer(request)
    if token is not None:
        return users.by_token(token)
    name, sid = request.session.get("user"), request.session.get("sid")
    if not isinstance(name, str) or not isinstance(sid, str):
        return None  # not logged in, or a session made before sessions had ids
    # None when removed, or logged out (a copy of the cookie)
    user = users.of_session(name, sid)
    if user is None or request.session.get("stamp") != user.stamp:
        return None  # ... or the password changed since this session began
    return user


def current_user(request: Request) -> User:
    """FastAPI dependency: the user, or LoginRequired."""
    user = optional_user(request)
    if user is None:
        raise LoginRequired()
    return user


def manager(request: Request) -> User:
    """FastAPI dependency: a manager, or Forbidden."""
    user = current_user(request)
    if not user.is_manager:
        raise Forbidden()
    return user


CurrentUser = Annotated[User, Depends(current_user)]
Manager = Annotated[User, Depends(manager)]


def safe_next(target: str | None) -> str:
    """Where to go after login: only a path on this site (never `//host` or a full URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
