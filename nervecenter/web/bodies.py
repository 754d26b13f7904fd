"""Request bodies: who may send one, and how much of it is read.

A POST, PUT, PATCH or DELETE is refused before a byte of its body is read when no valid session
or API token stands behind it (a page: the redirect to /login; the API: 401). Only the login form
takes a body from anyone. Every body is capped before it is parsed, by the kind of route: the
renew form (an upload) MAX_DOCUMENT_BYTES and the form around it, every other form FORM_BYTES.
A Content-Length over the cap is answered 413 at once; a body without one (chunked) is read up
to the cap, in memory, and refused there. Without this, an anonymous 3 GB multipart POST was
spooled to the temporary directory before the redirect to /login.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from nervecenter.service.actions import MAX_DOCUMENT_BYTES
from nervecenter.web import auth, templating
from nervecenter.web.whatif import RULES_LIMIT

FORM_BYTES = 64 * 1024  # a form's fields
UPLOAD_BYTES = MAX_DOCUMENT_BYTES + FORM_BYTES  # the renew form: one document and its fields
RULES_BYTES = RULES_LIMIT * 12  # the what-if rules: 4 bytes a character, percent-encoded
OPEN = frozenset({"/login"})  # takes a body without a session
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def cap(path: str) -> int:
    if path.endswith("/renew"):
        return UPLOAD_BYTES
    return RULES_BYTES if path == "/whatif/facility-rules" else FORM_BYTES


class BodyGuard:
    """ASGI middleware, inside the session middleware (it reads the session it decoded)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in SAFE:
            return await self.app(scope, receive, send)
        request = Request(scope)
        if scope["path"] not in OPEN and \
                await run_in_threadpool(auth.optional_user, request) is None:
            return await _unread(templating.login_required(request))(scope, receive, send)
        limit = cap(scope["path"])
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                return await _too_large(request, limit)(scope, receive, send)
            return await self.app(scope, receive, send)
        body = await _read_up_to(receive, limit)
        if body is None:
            return await _too_large(request, limit)(scope, receive, send)
        return await self.app(scope, _replay(body, receive), send)


async def _read_up_to(receive, limit: int) -> bytes | None:
    """The body of a request without Content-Length; None past `limit` bytes (or when the
    client went away)."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        part = message.get("body", b"")
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if sent:
            return await receive()  # the disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return replay


def _too_large(request: Request, limit: int):
    return _unread(templating.error(
        request, 413, "Too large", f"The request is over {limit / 1024 / 1024:.3g} MB; nothing "
        f"was read. A document may be at most {MAX_DOCUMENT_BYTES // 1024 // 1024} MB."))


def _unread(response):
    """`response`, after which the server closes the connection instead of reading on to the
    end of the body that was not read."""
    response.headers["Connection"] = "close"
    return response
