"""What people do to the records, one implementation each, shared by the CLI and the web: the
same validation, the same audit entry (as `actor`, e.g. `cli:dana` or `web:dana`) and the same
error text.

    renewal_submitted(ws, actor, person, type_id, scope)
    renew(ws, actor, person, type_id, scope, expires=..., issued=..., number=..., document=...)
    upload(ws, person, filename, data) -> document path      (then `renew(..., document=path)`)
    local_document(ws, path) -> document path                 (a file already on disk)
    silence(ws, actor, until=..., person=..., type_id=..., credential=..., reason=...)
    screen(ws, actor, lists, on=...) -> the screening             (exclusion lists, read)
    decide_screening(ws, actor, person, "confirmed" | "dismissed") -> how many decided
"""

from __future__ import annotations

import difflib
import hashlib
import re
from datetime import date
from pathlib import Path

from nervecenter.alerts.ledger import Ledger
from nervecenter.alerts.planning import Silence
from nervecenter.core import dates, limits
from nervecenter.core.documents import confine
from nervecenter.core.errors import NerveCenterError
from nervecenter.core.model import Credential, Person, credential_id
from nervecenter.data import names
from nervecenter.service.workspace import Workspace
from nervecenter.store.records import Record

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# file name ending -> how such a file starts: what an upload must really be, not just be named
DOCUMENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def _type(ws: Workspace, written: str) -> str:
    """The type id `written` names (id, name or alias, as people write them), or an error."""
    type_names = names.TypeNames(ws.practice.credential_types)
    type_id = type_names.find(written)
    if type_id is None:
        raise NerveCenterError(f"unknown credential type {written!r}"
                               f"{type_names.suggestion(written)}")
    return type_id


def _person(ws: Workspace, person: str) -> None:
    known = ws.store.people_roles()
    if person not in known:
        close = difflib.get_close_matches(person, list(known), n=1, cutoff=0.6)
        raise NerveCenterError(f"no person {person!r}"
                               + (f" (did you mean {close[0]!r}?)" if close else
                                  "; check the id (`nervecenter export` lists people)"))


def _scope(ws: Workspace, type_id: str, scope: str | None, person: str | None = None) -> str | None:
    """The scope a credential of the type needs (upper-cased for a state), or an error. Left
    out, it is the one scope the person holds the type in, when they hold exactly one."""
    ctype = ws.practice.credential_types[type_id]
    if ctype.scope != "person" and not scope:
        held = sorted({c.scope for c in ws.snapshot(ws.today()).credentials
                       if c.person == person and c.type == type_id and c.scope}) if person else []
        if len(held) == 1:
            return held[0]
        raise NerveCenterError(f"{type_id} is per {ctype.scope}: give --scope "
                               + (" or ".join(held) if held else
                                  'STATE' if ctype.scope == 'state' else 'FACILITY'))
    if ctype.scope == "person" and scope:
        raise NerveCenterError(f"{type_id} is per person: leave out --scope")
    return scope.upper() if ctype.scope == "state" else scope or None


def _current(ws: Workspace, cid: str) -> Credential | None:
    history = ws.store.history(cid)
    return history[-1] if history else None


def renewal_submitted(ws: Workspace, actor: str, person: str, type_id: str,
                      scope: str | None = None) -> Credential:
    """Mark the current version of a credential `renewal_submitted`."""
    ws.sync_sources()
    type_id = _type(ws, type_id)
    _person(ws, person)
    scope = _scope(ws, type_id, scope, person)
    return ws.store.renew(person, type_id, scope, submitted=True, actor=actor)


def renew(ws: Workspace, actor: str, person: str, type_id: str, scope: str | None = None, *,
          expires: date | None = None, issued: date | None = None, number: str | None = None,
          document: str | None = None, correct: bool = False) -> Credential:
    """Record a renewed credential as a new version (the old one stays as history).

    The type may be written as people write it; the scope is inferred when the person holds the
    type in one scope only. Without `expires`, it is derived from `issued` by the type's
    validity; without `issued`, the current issue date is kept. The new expiry must be after
    the current one, unless `correct` (a mistake put right: audited as a correction)."""
    for day in (expires, issued):
        if day is not None:
            _bounded(day)
    ws.sync_sources()
    type_id = _type(ws, type_id)
    _person(ws, person)
    scope = _scope(ws, type_id, scope, person)
    ctype = ws.practice.credential_types[type_id]
    current = _current(ws, credential_id(person, type_id, scope))
    if expires is None:
        if issued is None or not ctype.validity_months:
            raise NerveCenterError(f"give the new expiry (--expires); {type_id} has no validity "
                                   "to derive it from the issue date" if issued else
                                   "give the new expiry (--expires), or the issue date "
                                   "(--issued) when the type has a validity")
        expires = dates.derive_expiry(issued, ctype.validity_months, ctype.expiry,
                                     ctype.season_start)
    if issued is None and current is not None:
        issued = current.issued
    if issued and issued > expires:
        raise NerveCenterError(f"the issue date {issued} is after the new expiry {expires}")
    if current is not None and not correct and expires <= current.expires:
        raise NerveCenterError(f"the new expiry {expires} is not after the current one "
                               f"({current.expires}); enter the date on the renewed "
                               "credential, or give --correct to put a mistake right")
    if current is not None and correct and (expires, issued) == (current.expires,
                                                                  current.issued):
        raise NerveCenterError(f"nothing to correct: {current.id} already expires {expires}"
                               + (f" and was issued {issued}" if issued else ""))
    return ws.store.renew(person, type_id, scope, expires=expires, issued=issued,
                          number=number or None, document=document, actor=actor,
                          correction=correct)


def _bounded(day: date) -> None:
    try:
        limits.check_date(day)
    except ValueError as e:
        raise NerveCenterError(str(e)) from None


# ---------------------------------------------------------------- documents


def safe_filename(name: str) -> str:
    """The last part of a file's name, reduced to letters, digits, `.`, `_` and `-`."""
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


def upload(ws: Workspace, person: str, filename: str, data: bytes) -> str:
    """Store an uploaded document under <documents folder>/<person>/ and return the path to
    record. The name starts with the first 12 hex digits of its SHA-256, so two uploads never
    collide and the same file uploaded twice is stored once."""
    name = check_document(filename, data)
    digest = hashlib.sha256(data).hexdigest()
    folder = ws.practice.documents / safe_filename(person)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest[:12]}-{name}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return _recorded(ws, path)


def local_document(ws: Workspace, document: str) -> str:
    """The path to record for a file already on disk, inside the documents folder: relative to
    the configuration directory as people.yaml writes them (a relative `document` is tried
    there first, then from the current directory)."""
    config_dir = Path(ws.practice.config_dir)
    given = Path(document)
    if not given.is_absolute() and not (config_dir / given).exists():
        given = given.absolute()  # relative to where the command runs
    try:
        path = confine(config_dir, ws.practice.documents, str(given))
    except ValueError as e:
        raise NerveCenterError(str(e)) from None
    if not path.is_file():
        raise NerveCenterError(f"{document}: no such file")
    return _recorded(ws, path)


def _recorded(ws: Workspace, path: Path) -> str:
    try:
        return path.resolve().relative_to(Path(ws.practice.config_dir).resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


# ---------------------------------------------------------------- silences


def silence(ws: Workspace, actor: str, *, until: date, person: str | None = None,
            type_id: str | None = None, credential: str | None = None, reason: str = "",
            on: date | None = None) -> Silence:
    """Silence the alerts of a person, a type and/or one credential through `until` (inclusive)."""
    if not (person or type_id or credential):
        raise NerveCenterError("name what to silence: a person, a credential type or a credential")
    _bounded(until)
    day = ws.today(on)
    if until < day:
        raise NerveCenterError(f"until {until.isoformat()} is before today ({day.isoformat()}); "
                               "give a date from today on")
    snapshot = ws.snapshot(day, sync=True)
    if person and person not in snapshot.people:
        raise NerveCenterError(f"no person {person!r}; `nervecenter status` lists them")
    if type_id and type_id not in ws.practice.credential_types:
        raise NerveCenterError(f"no credential type {type_id!r}; `nervecenter plugins` lists them")
    if credential and not any(c.id == credential for c in snapshot.credentials):
        raise NerveCenterError(f"no credential {credential!r} (written person:type or "
                               "person:type:scope, e.g. t-price:bls)")
    entry = Silence(until, person, type_id, credential, reason.strip(), actor)
    Ledger(ws.store.engine).add_silence(entry)
    key = credential or ":".join(x for x in (person, type_id) if x)
    named = {"person": person, "type": type_id, "credential": credential}
    ws.store.audit(actor, "silence", key, "add",
                   after={**{k: v for k, v in named.items() if v},
                          "until": until.isoformat(), "reason": entry.reason})
    return entry


# ---------------------------------------------------------------- exclusion screening

SCREENING_TYPE = "exclusion_screening"


def _name_key(text: str) -> str:
    return re.sub(r"[^A-Z]", "", (text or "").upper())


def _first_last(person: Person) -> tuple[str, str]:
    """First and last name of a roster name: "Elise Adams, MD" -> ("ELISE", "ADAMS")."""
    words = person.name.split(",")[0].split()
    return (_name_key(words[0]), _name_key(words[-1])) if words else ("", "")


def _match(person: Person, entry: dict) -> str | None:
    """'npi' when both have an NPI and they agree (a confirmed match); None when the NPIs
    differ; 'name' when first and last names agree and either lacks an NPI (possible)."""
    if person.npi and entry.get("npi"):
        return "npi" if person.npi == entry["npi"] else None
    first, last = _first_last(person)
    if last and last == _name_key(entry.get("last", "")) and first == _name_key(
            entry.get("first", "")):
        return "name"
    return None


def screen(ws: Workspace, actor: str, lists: list[dict], on: date | None = None) -> dict:
    """Screen everyone on the roster against exclusion lists already read (each
    {"list": "LEIE"|"SAM", "name", "sha256", "rows", "entries": [{"row", "first", "last",
    "npi", "kind", "since", "until", "entry"}]}), record the screening with its matches, and
    renew everyone's `exclusion_screening` from `on` for a month.

    An NPI match is confirmed (blocks from the exclusion date); a name-only match is possible,
    for a manager to confirm or dismiss (`decide_screening`); a name match a manager dismissed
    before is dismissed again. Returns the screening as `screen --format json` prints it."""
    ctype = ws.practice.credential_types.get(SCREENING_TYPE)
    if ctype is None:
        raise NerveCenterError(f"no credential type {SCREENING_TYPE!r}: install or enable the "
                               "exclusion-screening plugin")
    day = ws.today(on)
    snapshot = ws.snapshot(day, sync=True)
    dismissed = {(m["person"], m["list"], m["row"], m["since"]) for m in
                 ws.store.exclusion_matches() if m["decision"] == "dismissed"}
    matches = []
    for lst in lists:
        by_last: dict[str, list[dict]] = {}
        by_npi: dict[str, list[dict]] = {}
        for e in lst["entries"]:
            by_last.setdefault(_name_key(e.get("last", "")), []).append(e)
            if e.get("npi"):
                by_npi.setdefault(e["npi"], []).append(e)
        for person in sorted(snapshot.people.values(), key=lambda p: p.id):
            candidates = by_npi.get(person.npi, []) + by_last.get(_first_last(person)[1], [])
            seen = set()
            for e in candidates:
                how = _match(person, e)
                if how is None or e["row"] in seen:
                    continue
                seen.add(e["row"])
                decision = "confirmed" if how == "npi" else "possible"
                if how == "name" and (person.id, lst["list"], e["row"], e["since"]) in dismissed:
                    decision = "dismissed"
                matches.append({"person": person.id, "list": lst["list"], "matched_by": how,
                                "decision": decision, "kind": e.get("kind") or None,
                                "since": e["since"], "until": e.get("until"),
                                "row": e["row"], "entry": e.get("entry", {})})
    files = [{"list": x["list"], "name": x["name"], "sha256": x["sha256"], "rows": x["rows"]}
             for x in lists]
    expires = dates.derive_expiry(day, ctype.validity_months or 1, ctype.expiry,
                                 ctype.season_start)
    method = "; ".join(f"{f['list']} {f['name']} sha256 {f['sha256']}" for f in files)
    renewals = [Record("credential", credential_id(p, SCREENING_TYPE, None), {
        "person": p, "type": SCREENING_TYPE, "scope": None, "number": None,
        "issuer": " + ".join(f["list"] for f in files), "issued": day.isoformat(),
        "expires": expires.isoformat(), "status": "active",
        "verified": {"on": day.isoformat(), "by": actor, "method": method[:200]},
        "documents": []}, "", 0) for p in sorted(snapshot.people)]
    sid = ws.store.record_screening(day, files, matches, renewals, actor)
    return {"screening": sid, "on": day.isoformat(), "files": files,
            "people": len(renewals), "expires": expires.isoformat(),
            "matches": [{"person": m["person"], "name": snapshot.people[m["person"]].name,
                         "list": m["list"], "matched_by": m["matched_by"],
                         "decision": m["decision"], "kind": m["kind"],
                         "since": m["since"].isoformat(),
                         "until": m["until"].isoformat() if m["until"] else None,
                         "row": m["row"]} for m in matches]}


def decide_screening(ws: Workspace, actor: str, person: str, decision: str) -> int:
    """Confirm (blocks the person from the exclusion date) or dismiss a person's possible
    exclusion-list matches; the number decided."""
    if decision not in ("confirmed", "dismissed"):
        raise NerveCenterError(f"decision {decision!r}: use confirmed or dismissed")
    decided = ws.store.decide_matches(person, decision, actor)
    if not decided:
        raise NerveCenterError(f"{person} has no possible exclusion-list match to decide; "
                               "`nervecenter screen --list` shows the matches")
    return decided
