"""The daily run's costs that are not the engine's: what it does beside evaluating."""

from __future__ import annotations

import gc
from datetime import date

from nervecenter.core.model import Credential
from nervecenter.service.sharing import Shelf


def test_the_shelf_is_written_without_a_pass_of_the_cyclic_collector(tmp_path):
    """Pickling an evaluation keeps a new tuple alive per object (the pickler's memo): the
    collector would walk the whole evaluation again and again meanwhile, for no cycle."""
    payload = [Credential(f"p-{n}", "bls", date(2027, 1, 1 + n % 28), number=str(n))
               for n in range(20_000)]
    shelf, passes = Shelf(tmp_path), []

    def count(phase, info):
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(count)
    try:
        shelf.put(date(2026, 12, 1), {"version": 1}, payload)
    finally:
        gc.callbacks.remove(count)
    # the file handling around the pickle may start one young pass; the pickle itself
    # started one per 700 objects (about 90 here)
    assert len(passes) <= 2
    assert gc.isenabled()
    head, back = shelf.get(date(2026, 12, 1))
    assert head == {"version": 1} and back == payload
