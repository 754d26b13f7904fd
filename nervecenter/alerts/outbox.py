"""Delivery: send the due rows of the outbox through their channels and record how it went.

Pending deliveries due now are grouped per (recipient, channel URL), so a person with several
alerts gets one message per channel. A small thread pool sends (`workers` at a time, never a
thread per alert); only the main thread touches the database. Before a group is handed to a
channel its rows are marked in flight (`sending_since`, attempts + 1) and committed; the result
is committed as soon as it comes back, in the transaction that marks the next groups (one
commit per message at most, not two; messages that come back together share one). A crash
therefore loses nothing: rows not confirmed are sent by the next run, and only the groups in
flight at the crash (at most `workers`) can be sent twice. A failure is retried after
`retry_backoff_seconds`, doubling, until `retry_attempts`; then the row is `failed` and the
managers get a `delivery_failed` alert. Each message is sized for its channel (alerts/sizing.py):
at most the kind's `max_length` characters, else DEFAULT_MAX_LENGTH.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, select, update

from nervecenter.alerts import messages, planning, sizing
from nervecenter.alerts.ledger import Ledger, alerts_t, deliveries_t
from nervecenter.core import clock
from nervecenter.core.channels import Channels, DeliveryError, expand
from nervecenter.core.model import AlertPolicy, Practice

log = logging.getLogger("nervecenter.outbox")
WORKERS = 4
# how long a round waits for the other messages in flight once one came back, so that fast
# channels (a file, a local webhook) share a transaction instead of one each
GATHER_SECONDS = 0.002
# characters of body when a channel kind sets no max_length: far below what a mail server or a
# webhook takes, far above 25 alerts written out in full
DEFAULT_MAX_LENGTH = 100_000


@dataclass
class DeliveryCounts:
    sent: int = 0  # delivery rows confirmed
    retrying: int = 0  # rows that failed and will be tried again
    failed: int = 0  # rows that failed for good
    messages: int = 0  # messages handed to channels
    errors: list[str] = field(default_factory=list)  # masked, one per failed message


@dataclass
class _Group:
    recipient: str
    url: str
    channel: str  # privacy form
    ids: list[int]
    attempts: int
    msgs: list[messages.Message]
    kinds: list[str]
    titles: list[str]
    permanent: bool = False  # the last error cannot be cured by retrying
    # with a first-run summary, while it is being sent: the recipient's summarized rows
    # (delivery id -> alert id, kind, stage), rows a renewal dropped since included
    lines: dict[int, tuple] = field(default_factory=dict)
    rewritten: dict[int, messages.Message] = field(default_factory=dict)  # summaries, by row


def backoff(policy: AlertPolicy, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, doubling."""
    return timedelta(seconds=policy.retry_backoff_seconds * 2 ** max(0, attempts - 1))


def due_groups(ledger: Ledger, now: datetime) -> list[_Group]:
    """Pending rows due at `now` (including rows left in flight by a crash), grouped. Their
    messages' bodies are read as each group is sent (_bodies): a first run's 120,000 rows held
    them all at once (200 MB at 5,000 people)."""
    q = (select(deliveries_t.c.id, deliveries_t.c.recipient, deliveries_t.c.url,
                deliveries_t.c.channel, deliveries_t.c.attempts, alerts_t.c.kind,
                alerts_t.c.title, alerts_t.c.stage)
         .join(alerts_t, alerts_t.c.key == deliveries_t.c.alert_key)
         .where(deliveries_t.c.status == "pending", deliveries_t.c.next_attempt_at <= now)
         .order_by(deliveries_t.c.id))
    groups: dict[tuple[str, str], _Group] = {}
    urgency: dict[int, tuple] = {}
    with ledger.engine.connect() as conn:
        for rid, recipient, url, channel, attempts, kind, title, stage in conn.execute(q):
            g = groups.get((recipient, url))
            if g is None:
                g = groups[(recipient, url)] = _Group(recipient, url, channel, [], 0, [], [], [])
            g.ids.append(rid)
            g.attempts = max(g.attempts, attempts)
            g.kinds.append(kind)
            g.titles.append(title)
            urgency[rid] = (planning.urgency(stage), rid)
    for g in groups.values():
        order = sorted(range(len(g.ids)), key=lambda n, g=g: urgency[g.ids[n]])
        g.ids = [g.ids[n] for n in order]
        g.kinds, g.titles = [g.kinds[n] for n in order], [g.titles[n] for n in order]
    return list(groups.values())


def _summary_lines(conn, recipients: list[str]) -> dict[str, dict[int, tuple]]:
    """The rows first-run summaries of `recipients` stand for (summarized, or dropped since),
    by recipient; read by the recipient index alone (a filter on the status would let the
    database walk every summarized row of the ledger). Read for the groups about to be sent,
    without their titles: a first run has 120,000 lines at 5,000 people."""
    out: dict[str, dict[int, tuple]] = {}
    who = sorted(set(recipients))
    for start in range(0, len(who), 500):
        for did, rid, status, aid, kind, stage in conn.execute(
                _statements().lines, {"who": who[start:start + 500]}):
            if status in ("summarized", "dropped") and kind != "first_run":
                out.setdefault(rid, {})[did] = (aid, kind, stage)
    return out


def max_length(channels: Channels, url: str) -> int:
    """The most characters a message body to `url` may have: its kind's optional `max_length`
    (a number, or a method of the URL; docs/alerts.md, "Writing a channel plugin"), else
    DEFAULT_MAX_LENGTH."""
    try:
        value = getattr(channels.kind_for(url), "max_length", None)
        value = value(expand(url)) if callable(value) else value
    except Exception:  # noqa: BLE001 - an unknown kind or a plugin's bug fails when sending
        value = None
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_MAX_LENGTH


def deliver(ledger: Ledger, channels: Channels, practice: Practice, *,
            directory: planning.Directory | None = None, now: datetime | None = None,
            as_of: date | None = None, workers: int = WORKERS,
            should_stop: Callable[[], bool] | None = None,
            progress: Callable[[int, int], None] | None = None) -> DeliveryCounts:
    """Send every due delivery once; record each result. `now` fixes the clock (tests);
    `should_stop` (a stop signal) ends the run after the messages in flight; `progress` is
    told (messages handed back, messages due) as they come back."""
    fixed_now = now
    now_fn = (lambda: fixed_now) if fixed_now else clock.utcnow
    name = directory.name if directory else (lambda rid: rid)
    out = DeliveryCounts()
    # A second pass sends the delivery_failed notices the first pass raised.
    for _ in range(2):
        todo = due_groups(ledger, now_fn())
        if not todo:
            break
        _send(ledger, channels, practice, directory, todo, now_fn, name, workers, as_of, out,
              should_stop or (lambda: False), progress or (lambda done, due: None))
    return out


def _send(ledger, channels, practice, directory, todo, now_fn, name, workers, as_of, out,
          should_stop, progress) -> None:
    """Keep `workers` messages in flight. Each round is one transaction: it records the results
    that came back and marks the next groups in flight (and reads their bodies), committed
    before any of them is handed to a channel."""
    policy = practice.alerts
    running: dict[Future, _Group] = {}
    due, returned = len(todo), 0
    results: list[tuple[_Group, str | None]] = []
    limits: dict[str, int] = {}  # per channel URL: a plugin may build a client to answer
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="deliver") as pool:
        while todo or running or results:
            if should_stop():
                todo.clear()
            starting = [todo.pop(0) for _ in range(min(len(todo), workers - len(running)))]
            now = now_fn()
            with ledger.engine.begin() as conn:
                finals = _record(conn, results, policy, now)
                if starting:
                    _mark_in_flight(conn, starting, now, name, practice)
                    starting = [g for g in starting if g.ids]
                    _bodies(conn, starting)
            if results:
                returned += len(results)
                progress(returned, due)
            for g, text in results:
                if text is None:
                    out.sent += len(g.ids)
                    continue
                out.errors.append(text)
                if g in finals:
                    out.failed += len(g.ids)
                    _raise_delivery_failed(ledger, channels, practice, directory, g, text,
                                           as_of or now.date(), now)
                else:
                    out.retrying += len(g.ids)
            results = []
            for g in starting:
                if g.url not in limits:
                    limits[g.url] = max_length(channels, g.url)
                msg = sizing.group(g.msgs, name(g.recipient), limit=limits[g.url],
                                   log_url=messages.dashboard(practice, "/alerts"))
                running[pool.submit(channels.send, g.url, msg.title, msg.text, msg.html)] = g
                out.messages += 1
            if not running:
                continue  # the results just recorded were the last
            done, rest = wait(running, return_when=FIRST_COMPLETED)
            if rest:  # fast channels come back together: one transaction records them all
                done |= wait(rest, timeout=GATHER_SECONDS)[0]
            for fut in done:
                g, error = running.pop(fut), fut.exception()
                text = None if error is None else (
                    str(error) if isinstance(error, DeliveryError)
                    else f"{type(error).__name__}: {error}")
                if getattr(error, "permanent", False):
                    g.permanent = True
                results.append((g, text))


def _mark_in_flight(conn, groups: list[_Group], now: datetime, name: Callable[[str], str],
                    practice: Practice) -> None:
    """Mark the groups' rows in flight, in the transaction that drops superseded rows (which
    then leave their groups), so a renewal committed before it is never followed by an alert
    for the old version, nor by a first-run summary that lists one."""
    ids = [i for g in groups for i in g.ids]
    firsts = [g for g in groups if "first_run" in g.kinds]
    if firsts:
        found = _summary_lines(conn, [g.recipient for g in firsts])
        for g in firsts:
            g.lines = found.get(g.recipient, {})
    lines = {d for g in firsts for d in g.lines}
    stale = _superseded(conn, [*ids, *lines])
    dropped = {i for i in ids if i in stale}
    if stale:
        _drop(conn, stale, "the credential was renewed before it was sent")
        log.info("dropped %d deliveries about credential versions a renewal replaced",
                 len(stale))
        dropped |= _summaries(conn, groups, stale, name, practice)
    keep = [i for i in ids if i not in dropped]
    if keep:
        conn.execute(_statements().in_flight, {"ids": keep, "now": now})
    for g in groups:
        if dropped:
            rows = [n for n, i in enumerate(g.ids) if i not in dropped]
            g.ids = [g.ids[n] for n in rows]
            g.kinds, g.titles = [g.kinds[n] for n in rows], [g.titles[n] for n in rows]
        g.attempts += 1


def _bodies(conn, groups: list[_Group]) -> None:
    """Each group's messages, in its order, read in one query for the groups about to go."""
    ids = [i for g in groups for i in g.ids]
    if not ids:
        return
    found = {rid: messages.Message(title, text, html) for rid, title, text, html
             in conn.execute(_statements().bodies, {"ids": ids})}
    for g in groups:
        g.msgs = [g.rewritten.get(i) or found[i] for i in g.ids]


def _superseded(conn, ids: list[int]) -> set[int]:
    """Of these deliveries, those about a credential version that a renewal (a newer version
    with another expiry) replaced: never sent (docs/alerts.md: the old version's pending alerts
    are dropped)."""
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(conn.execute(_statements().superseded, {"ids": chunk}).scalars())
    return found


def _drop(conn, ids: set[int], why: str) -> None:
    for chunk in _chunks(sorted(ids)):
        conn.execute(_statements().dropped, {"ids": chunk, "error": f"dropped: {why}"})


class _Statements:
    """The outbox's statements, built once per process: building one (and its cache key) cost
    more than running it, and they run for every batch of messages."""

    def __init__(self):
        from nervecenter.store.tables import credentials

        d, ids = deliveries_t, bindparam("ids", expanding=True)
        now = bindparam("now", type_=d.c.sent_at.type)
        self.in_flight = (update(d).where(d.c.id.in_(ids))
                          .values(sending_since=now, attempts=d.c.attempts + 1))
        self.sent = (update(d).where(d.c.id.in_(ids))
                     .values(status="sent", sent_at=now, sending_since=None, last_error=None))
        self.dropped = (update(d).where(d.c.id.in_(ids))
                        .values(status="dropped", sending_since=None,
                                last_error=bindparam("error", type_=d.c.last_error.type)))
        self.lines = (select(d.c.id, d.c.recipient, d.c.status, alerts_t.c.id,
                             alerts_t.c.kind, alerts_t.c.stage)
                      .join(alerts_t, alerts_t.c.key == d.c.alert_key)
                      .where(d.c.recipient.in_(bindparam("who", expanding=True))))
        self.bodies = (select(d.c.id, alerts_t.c.title, alerts_t.c.text, alerts_t.c.html)
                       .join(alerts_t, alerts_t.c.key == d.c.alert_key).where(d.c.id.in_(ids)))
        old, new = credentials.alias("old"), credentials.alias("new")
        self.superseded = (
            select(d.c.id).distinct()
            .join(alerts_t, alerts_t.c.key == d.c.alert_key)
            .join(old, and_(old.c.credential_id == alerts_t.c.credential,
                            old.c.version == alerts_t.c.version))
            .join(new, and_(new.c.credential_id == old.c.credential_id,
                            new.c.version > old.c.version, new.c.expires != old.c.expires))
            .where(d.c.id.in_(ids)))


_statements = functools.cache(_Statements)


def _chunks(ids: list[int], size: int = 5000):
    return (ids[start:start + size] for start in range(0, len(ids), size))


def _summaries(conn, groups: list[_Group], stale: set[int], name: Callable[[str], str],
               practice: Practice) -> set[int]:
    """Each first-run summary of these groups that lists a `stale` line written again without
    it; one with no line left is dropped. Returns the summaries dropped."""
    gone = set()
    for g in groups:
        if not g.lines.keys() & stale:
            continue  # as written when planned
        live = {aid: (kind, stage) for did, (aid, kind, stage) in g.lines.items()
                if did not in stale}
        order = sorted(live, key=lambda a: (planning.urgency(live[a][1]), a))
        shown = {aid: messages.as_line(title, text) for aid, title, text in conn.execute(
            select(alerts_t.c.id, alerts_t.c.title, alerts_t.c.text).where(
                alerts_t.c.id.in_(order[:messages.LIST_ITEMS])))} if order else {}
        # only the first LIST_ITEMS lines are read (messages.first_run); the rest are counted
        items = [(live[a][0], live[a][1], shown.get(a, "")) for a in order]
        for i, kind in zip(g.ids, g.kinds):
            if kind != "first_run" or i in stale:
                continue
            if items:
                g.rewritten[i] = messages.first_run(practice, g.recipient, name(g.recipient),
                                                    items)
            else:
                gone.add(i)
    if gone:
        _drop(conn, gone, "every alert it summed up was about a credential renewed since")
    return gone


def _record(conn, results: list[tuple[_Group, str | None]], policy: AlertPolicy,
            now: datetime) -> list[_Group]:
    """Record sent and failed attempts; returns the groups that failed for the last time."""
    finals = []
    sent = [i for g, error in results if error is None for i in g.ids]
    if sent:
        conn.execute(_statements().sent, {"ids": sent, "now": now})
    for g, error in results:
        if error is None:
            continue
        values = {"sending_since": None, "last_error": error[:2000]}
        if g.attempts >= policy.retry_attempts or g.permanent:
            finals.append(g)
            values |= {"status": "failed", "next_attempt_at": now}
        else:
            values["next_attempt_at"] = now + backoff(policy, g.attempts)
        conn.execute(update(deliveries_t).where(deliveries_t.c.id.in_(g.ids)).values(**values))
        log.warning("delivery to %s via %s failed (attempt %d of %d): %s", g.recipient,
                    g.channel, g.attempts, policy.retry_attempts, error)
    return finals


def _raise_delivery_failed(ledger: Ledger, channels: Channels, practice: Practice,
                           directory: planning.Directory | None, g: _Group, error: str,
                           as_of: date, now: datetime) -> None:
    """The managers hear about a delivery that failed for good (not about failed notices of
    failure, and never on the channel that failed)."""
    if directory is None:
        return
    for rid, kind, title in zip(g.ids, g.kinds, g.titles):
        if kind == "delivery_failed":
            continue
        alert = planning.delivery_failed(directory, delivery_id=rid, alert_title=title,
                                         recipient=g.recipient, channel=g.channel, error=error,
                                         attempts=g.attempts, exclude_url=g.url)
        ledger.enqueue([alert], as_of, channels.privacy, now)
