"""What the web reads from and writes to the store and the alert ledger, in one place.

Every change goes through the Store (so it lands in the audit log as `web:<user>`) or the
ledger's silences; uploaded documents are stored beside the database with their SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from nervecenter.core.errors import NerveCenterError
from nervecenter.core.users import User

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# file name ending -> how such a file starts: what an upload must really be, not just be named
DOCUMENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def actor(user: User) -> str:
    return f"web:{user.name}"


# ---------------------------------------------------------------- documents


def safe_filename(name: str) -> str:
    """The last part of an uploaded file's name, reduced to letters, digits, `.`, `_` and `-`."""
    base = re.split(r"[\\/]", name or "")[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:80] or "document"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext).lower()[:10]
    return f"{stem}.{ext}" if ext else stem


def check_document(filename: str, data: bytes) -> str:
    """The sanitised name of an acceptable upload, or a NerveCenterError saying what to send."""
    name = safe_filename(filename)
    ext = Path(name).suffix.lower()
    if ext not in DOCUMENT_TYPES:
        raise NerveCenterError(f"{filename!r}: documents must be PDF, PNG or JPEG files "
                               f"({', '.join(DOCUMENT_TYPES)})")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise NerveCenterError(f"{filename!r} is {len(data) // (1024 * 1024)} MB; "
                               f"the limit is {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    if not data:
        raise NerveCenterError(f"{filename!r} is empty")
    if not any(data.startswith(magic) for magic in DOCUMENT_TYPES[ext]):
        raise NerveCenterError(f"{filename!r} is not a {ext[1:].upper()} file")
    return name


def save_document(data_dir: Path, person_id: str, filename: str, data: bytes) -> tuple[Path, str]:
    """Store an upload under <data_dir>/documents/<person>/; return its path and SHA-256.

    The name starts with the first 12 hex digits of the hash, so two uploads never collide and
    the same file uploaded twice is stored once.
    """
    name = check_document(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    folder = data_dir / "documents" / safe_filename(person_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest[:12]}-{name}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path, digest


def document_path(ws, data_dir: Path, recorded: str) -> Path | None:
    """The file behind a recorded document path, if it exists inside the configuration
    directory or the data directory (never anywhere else on the machine)."""
    config_dir = Path(ws.practice.config_dir).resolve()
    path = Path(recorded)
    path = (path if path.is_absolute() else config_dir / path).resolve()
    inside = any(path.is_relative_to(root) for root in (config_dir, data_dir.resolve()))
    return path if inside and path.is_file() else None


# ---------------------------------------------------------------- reads


def history(ws, credential_ids) -> dict[str, list[dict]]:
    """Every recorded version of each credential, newest first, with when it was recorded."""
    versions = ws.store.versions_of(credential_ids)
    return {cid: [{"version": v["version"], "number": v["number"], "issued": v["issued"],
                   "expires": v["expires"], "status": v["status"],
                   "recorded": f"{v['recorded_at'][:10]} by {v['recorded_by']}"}
                  for v in reversed(versions.get(cid, []))]
            for cid in credential_ids}


def ce_progress(pic, person_id: str) -> list[dict]:
    """CE hours per credential within its period against its type's requirement (core/ce.py)."""
    from nervecenter.core.ce import ce_rows

    rows = ce_rows(pic.practice, pic.snapshot, person_id, pic.day)
    for r in rows:
        r["percent"] = min(100, round(100 * r["counted"] / r["required"])) if r["required"] else 100
    return rows


def alert_log(ws, person: str | None = None) -> list[dict]:
    """The ledger's log (alerts newest first, each with its deliveries, channels masked).

    For a person user (`person` set): only alerts to or about them, and of those only the
    deliveries to them, not the managers' channels.
    """
    from nervecenter.core.ledger import Ledger

    alerts = Ledger(ws.store.engine).log(person=person, limit=500)
    if person is not None:
        alerts = [{**a, "recipients": [r for r in a["recipients"] if r == person],
                   "deliveries": [d for d in a["deliveries"] if d["recipient"] == person]}
                  for a in alerts]
    return alerts


def deliveries(alerts: list[dict]) -> list[dict]:
    """One row per delivery, for the alert log table."""
    return [{"key": a["key"], "kind": a["kind"], "title": a["title"],
             "planned_at": a["planned_at"], **d} for a in alerts for d in a["deliveries"]]


def failed_delivery_count(ws) -> int:
    from nervecenter.core.ledger import Ledger

    return Ledger(ws.store.engine).counts()["failed"]


def silences(ws, on: date) -> list[dict]:
    from nervecenter.core.ledger import Ledger

    return [{"what": s.credential or " ".join(x for x in (s.person, s.type) if x) or "everything",
             "until": s.until, "reason": s.reason, "by": s.by}
            for s in Ledger(ws.store.engine).silences(on)]


# ---------------------------------------------------------------- writes


def mark_submitted(ws, user: User, credential) -> None:
    ws.store.renew(credential.person, credential.type, scope=credential.scope, submitted=True,
                   actor=actor(user))


def record_renewal(ws, user: User, credential, *, expires: date, issued: date | None,
                   number: str | None, document: Path | None) -> None:
    """A new version; the store records the document's path with its SHA-256."""
    ws.store.renew(credential.person, credential.type, scope=credential.scope, expires=expires,
                   issued=issued, number=number or None,
                   document=_relative(document, ws.practice.config_dir), actor=actor(user))


def _relative(path: Path | None, config_dir) -> str | None:
    """A document path as the store keeps it: relative to the config directory when inside it."""
    if path is None:
        return None
    try:
        return str(path.resolve().relative_to(Path(config_dir).resolve()))
    except ValueError:
        return str(path.resolve())


def silence(ws, user: User, credential_id: str, until: date, reason: str) -> None:
    from nervecenter.core.alerts import Silence
    from nervecenter.core.ledger import Ledger

    Ledger(ws.store.engine).add_silence(Silence(until, credential=credential_id, reason=reason,
                                                by=actor(user)))
    ws.store.audit(actor(user), "silence", credential_id, "add",
                   after={"credential": credential_id, "until": until.isoformat(),
                          "reason": reason})
