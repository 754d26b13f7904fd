"""A recipient's first contact: one short summary instead of the whole backlog. Pure.

    alerts = summarize(practice, snapshot, planned, history.reached)

A recipient the ledger has never queued a delivery for (on a practice's first run, everyone;
later, a person or manager added since) and who has more than one alert due now gets one alert
of kind `first_run` instead (key `first_run:<recipient>`): what is due, counted, and the most
urgent listed, on each of their channels that would have carried one of them. The alerts it
summarizes are written to the ledger as usual, whole, with a `summarized` delivery to that
recipient that is never sent: their keys keep the next runs from planning them again, and the
alert log holds every one. Later stages and lapse reminders are new keys, sent as usual. A
single alert goes out as itself (it says more than a summary of it would).

The outbox writes each summary again when it sends it, from its lines still in force
(alerts/outbox.py), so that a renewal recorded in between is not reported as due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import partial

from nervecenter.alerts import messages
from nervecenter.alerts.planning import Alert, Directory, Target, urgency
from nervecenter.core.model import Practice, Snapshot


def summarize(practice: Practice, snapshot: Snapshot, alerts: Sequence[Alert],
              reached: Iterable[str]) -> list[Alert]:
    """`alerts` with each first-contact recipient's targets moved to `summarized`, and one
    `first_run` alert per such recipient after them."""
    reached = set(reached)
    theirs: dict[str, list[str]] = {}  # new recipient -> keys of the alerts that reach them
    for a in alerts:
        for rid in dict.fromkeys(t.recipient for t in a.targets):
            if rid not in reached:
                theirs.setdefault(rid, []).append(a.key)
    new = {rid for rid, keys in theirs.items() if len(keys) > 1}
    if not new:
        return list(alerts)
    out, by_key = [], {}
    for a in alerts:
        moved = tuple(t for t in a.targets if t.recipient in new)
        if moved:
            a = replace(a, targets=tuple(t for t in a.targets if t.recipient not in new),
                        summarized=a.summarized + moved)
        out.append(a)
        by_key[a.key] = a
    directory = Directory(practice, snapshot)
    for rid in (r for r in theirs if r in new):
        # the most urgent first, then as planned (the order of the alerts' ids in the ledger)
        mine = [by_key[k] for _, _, k in sorted((urgency(by_key[k].stage), n, k)
                                                for n, k in enumerate(theirs[rid]))]
        urls = dict.fromkeys(t.url for a in mine for t in a.summarized if t.recipient == rid)
        out.append(Alert(f"first_run:{rid}", "first_run", (rid,),
                         tuple(Target(rid, url) for url in urls),
                         partial(_compose, practice, rid, directory.name(rid), mine),
                         person=rid if rid in snapshot.people else None))
    return out


def _compose(practice: Practice, rid: str, name: str, mine: list[Alert]) -> messages.Message:
    return messages.first_run(practice, rid, name, [(a.kind, a.stage, a.line) for a in mine])
