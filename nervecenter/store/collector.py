"""The cyclic garbage collector, paused while bulk work allocates many objects that form no
reference cycles (a snapshot's 60,000 credentials, an import's rows): its passes would only
re-scan them, a quarter of a snapshot read and a third of an import at 5,000 people.

The one helper for it, but for the engine's own (rules/evaluate.py): rules import only core,
which is at its size limit."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
