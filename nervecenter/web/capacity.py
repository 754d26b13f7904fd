"""How much one web process takes on at once: a few heavy requests, and new evaluations a user
may cause.

    with heavy(request):                  # what-if, coverage, a range outside the evaluation
        ...                               # the full CSV: `release = take(request)` instead
    asked(request, user)                  # before an evaluation the latest one does not hold

A page or a paged API call reads the latest evaluation and costs milliseconds; these take
seconds and memory in proportion to the practice, so a burst of them would starve every other
request and push the process past its memory. Beyond the limit the answer is at once 503 (the
process is busy) or 429 (this user asks too often), with Retry-After.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from fastapi import Request

from nervecenter.store.users import User

HEAVY_AT_ONCE = 2  # per process; requests beyond wait for nothing: 503
EVALUATION_EVERY = 10.0  # seconds: one new evaluation per user (per process) at most this often


class Busy(Exception):
    """Answered with `status` and Retry-After: `seconds`."""

    def __init__(self, status: int, seconds: int, message: str):
        super().__init__(message)
        self.status, self.seconds = status, seconds


class Capacity:
    """The app's counters (app.state.capacity)."""

    def __init__(self, heavy_at_once: int = HEAVY_AT_ONCE,
                 evaluation_every: float = EVALUATION_EVERY, clock=time.monotonic):
        self.slots = threading.BoundedSemaphore(heavy_at_once)
        self.every, self.clock = evaluation_every, clock
        self.last: dict[str, float] = {}  # user name -> when they last caused an evaluation
        self.lock = threading.Lock()


def take(request: Request):
    """A heavy request's slot, or Busy (503). Returns the function that gives it back (safe to
    call twice: a streamed answer calls it when done, and again if the client went away)."""
    cap: Capacity = request.app.state.capacity
    if not cap.slots.acquire(blocking=False):
        raise Busy(503, 5, "The server is busy with other long requests (what-if, coverage, "
                           "exports); try again in a few seconds.")
    given = threading.Lock()

    def release() -> None:
        if given.acquire(blocking=False):
            cap.slots.release()
    return release


@contextmanager
def heavy(request: Request):
    release = take(request)
    try:
        yield
    finally:
        release()


def asked(request: Request, user: User) -> None:
    """Count one new evaluation `user` makes the server compute, or Busy (429) when their last
    one was less than EVALUATION_EVERY seconds ago."""
    cap: Capacity = request.app.state.capacity
    with cap.lock:
        now = cap.clock()
        last = cap.last.get(user.name)
        if last is not None and now - last < cap.every:
            raise Busy(429, int(cap.every - (now - last)) + 1,
                       "Each range of dates outside the evaluation is evaluated anew; ask for "
                       "another in a few seconds, or within the case horizon.")
        cap.last = {k: v for k, v in cap.last.items() if now - v < cap.every}
        cap.last[user.name] = now
