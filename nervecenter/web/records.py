"""What the web reads from the store and the alert ledger besides the evaluation: documents,
credential history, CE progress, the alert log and silences. Changes go through
nervecenter.service.actions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from nervecenter.core.documents import confine

# ---------------------------------------------------------------- documents


def document_path(ws, recorded: str) -> Path | None:
    """The file behind a recorded document path, if it exists inside the practice's documents
    folder (core/documents.py: never anywhere else on the machine, never `.nervecenter/`)."""
    try:
        path = confine(ws.practice.config_dir, ws.practice.documents, recorded)
    except ValueError:
        return None
    return path if path.is_file() else None


# ---------------------------------------------------------------- reads


def history(ws, person_id: str) -> dict[str, list[dict]]:
    """Every recorded version of each of a person's credentials, newest first, with when it
    was recorded."""
    return {cid: [{"version": version, "number": number, "issued": issued, "expires": expires,
                   "status": status, "recorded": f"{recorded_at[:10]} by {recorded_by}"}
                  for version, number, issued, expires, status, recorded_at, recorded_by
                  in reversed(versions)]
            for cid, versions in ws.store.shown_history(person_id).items()}


def ce_progress(pic, person_id: str) -> list[dict]:
    """CE hours per credential within its period against its type's requirement (rules/ce.py),
    each with the evaluation's shortfall sentence when it is short near its cycle's end."""
    from nervecenter.core.model import Snapshot
    from nervecenter.rules.ce import ce_rows

    # the person's own credentials and CE entries (the index's), not the whole practice's
    own = Snapshot({}, tuple(pic.credentials_of(person_id)), pic.index.ce.get(person_id, ()))
    rows = ce_rows(pic.practice, own, person_id, pic.day)
    short = {s.credential: s for s in pic.evaluation.ce_shortfalls}
    for r in rows:
        r["percent"] = min(100, round(100 * r["counted"] / r["required"])) if r["required"] else 100
        s = short.get(r["credential"])
        t = pic.practice.credential_types.get(r["type"])
        r["shortfall"] = s.needs(t.name if t else r["type"]) if s else None
    return rows


def alert_log(ws, person: str | None = None, *, status: str | None = None, limit: int = 500,
              offset: int = 0) -> list[dict]:
    """The ledger's log (alerts newest first, each with its deliveries, channels masked).

    For a person user (`person` set): only alerts to or about them, and of those only the
    deliveries to them, not the managers' channels.
    """
    from nervecenter.alerts.ledger import Ledger

    alerts = Ledger(ws.store.engine).log(person=person, status=status, limit=limit,
                                         offset=offset, recipient=person)
    if person is not None:
        for a in alerts:
            a["recipients"] = [r for r in a["recipients"] if r == person]
    return alerts


STATUSES = ("pending", "sent", "failed", "dropped")


def deliveries(alerts: list[dict]) -> list[dict]:
    """One row per delivery, for the alert log table, with its times as the table shows them
    (`planned`, `sent`, `next`: minutes, no "T")."""
    return [{"key": a["key"], "kind": a["kind"], "title": a["title"],
             "planned_at": a["planned_at"], "planned": planned, **d,
             "sent": _minute(d["sent_at"]), "next": _minute(d["next_attempt_at"])}
            for a in alerts for planned in (_minute(a["planned_at"]),)
            for d in a["deliveries"]]


def _minute(moment: str | None) -> str:
    return moment[:16].replace("T", " ") if moment else ""


def failed_delivery_count(ws) -> int:
    from nervecenter.alerts.ledger import Ledger

    return Ledger(ws.store.engine).counts()["failed"]


def silences(ws, on: date) -> list[dict]:
    from nervecenter.alerts.ledger import Ledger

    return [{"what": s.credential or " ".join(x for x in (s.person, s.type) if x) or "everything",
             "until": s.until, "reason": s.reason, "by": s.by}
            for s in Ledger(ws.store.engine).silences(on)]
