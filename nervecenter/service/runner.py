"""One run: re-import sources, evaluate, plan, write the outbox, deliver. Returns counts.

    result = run(ws, on=None, dry_run=False)      # what `nervecenter run --once` does
    print(result.line())                           # one line with the counts

The CLI, the daemon and the web (a manual "run now") share this.
"""

from __future__ import annotations

import contextlib
import gc
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from nervecenter.alerts import first_run, planning
from nervecenter.alerts.ledger import Ledger
from nervecenter.alerts.outbox import WORKERS, DeliveryCounts, deliver
from nervecenter.core import channels as channels_mod
from nervecenter.core import clock
from nervecenter.data.report import counted
from nervecenter.service import cron
from nervecenter.store.collector import paused


@dataclass
class RunResult:
    as_of: date
    alerts: list[planning.Alert]  # planned now (new to the ledger)
    digest: bool
    dry_run: bool = False
    enqueued: tuple[int, int] = (0, 0)  # (alerts, deliveries) written
    outcome: DeliveryCounts = field(default_factory=DeliveryCounts)
    seconds: float = 0.0
    pending_sources: int = 0  # dry run: source rows changed since their last import
    rule_errors: tuple[str, ...] = ()  # what plugins' rule kinds raised (one line each)

    def counts(self) -> dict[str, int]:
        return {"planned": len(self.alerts), "deliveries": self.enqueued[1],
                "sent": self.outcome.sent, "retrying": self.outcome.retrying,
                "failed": self.outcome.failed, "messages": self.outcome.messages}

    def line(self) -> str:
        c = self.counts()
        what = "dry run" if self.dry_run else "run"
        note = (f"; {self.pending_sources} source changes not imported yet (a run imports them "
                "first)" if self.pending_sources else "")
        summed = sum(len(a.summarized) for a in self.alerts)
        summed = f" (and {summed} in first-run summaries)" if summed else ""
        return (f"{what} as of {self.as_of.isoformat()}: {counted(c['planned'], 'alert')} planned, "
                f"{counted(c['deliveries'], 'delivery', 'deliveries')} queued{summed}, "
                f"{c['sent']} sent in {counted(c['messages'], 'message')}, "
                f"{c['retrying']} to retry, {c['failed']} failed"
                + (", digest" if self.digest else "") + f" ({self.seconds:.1f} s)" + note)


def rule_errors(evaluation) -> tuple[str, ...]:
    """Each distinct failure of a plugin's rule kind in an evaluation, naming the plugin."""
    return tuple(dict.fromkeys(p.detail for cl in evaluation.clearances for p in cl.problems
                               if p.reason == "rule_error"))


def digest_due(practice, day: date, now: datetime) -> bool:
    """Whether `schedule.digest` has a tick on `day` (practice time zone) that is not in the
    future: any tick that day for a past or future `--on` date."""
    tz = ZoneInfo(practice.timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=tz) - timedelta(seconds=1)
    tick = cron.next_tick(practice.schedule.digest, tz, start)
    if tick.date() != day:
        return False
    return tick <= now if now.astimezone(tz).date() == day else True




def plan(ws, day: date, *, now: datetime | None = None, digest: bool | None = None,
         sync: bool = True, set_aside: bool = False):
    """Plan without writing: (snapshot, alerts, digest?). `set_aside`: freeze what is alive
    once evaluated (the caller unfreezes)."""
    now = now or clock.utcnow()
    ledger = Ledger(ws.store.engine)
    # The snapshot and the evaluation, a million objects without cycles, stay alive to the end
    # of the run: set aside (frozen) before the collector runs again, its passes over them
    # after the snapshot read, the engine and the shelving (about 0.1 s CPU at 5,000 people)
    # and while the history is read, the outbox written and the messages sent, are not made.
    with paused() if set_aside else contextlib.nullcontext():
        evaluation = ws.evaluate(day, sync=sync)
        snapshot = ws.snapshot(day)
        if set_aside:
            gc.freeze()
    if digest is None:
        digest = digest_due(ws.practice, day, now)
    coverage = ws.coverage(day, weeks=planning.DIGEST_WEEKS, sync=False) if digest else None
    history = ledger.history(now)
    alerts = planning.plan(ws.practice, snapshot, evaluation, history,
                           silences=ledger.silences(day), digest=digest,
                           sources=ws.source_problems(), coverage=coverage)
    # a recipient's first contact is one summary, not their backlog (docs/alerts.md)
    alerts = first_run.summarize(ws.practice, snapshot, alerts, history.reached)
    return snapshot, alerts, digest


def run(ws, *, on: date | None = None, now: datetime | None = None, dry_run: bool = False,
        digest: bool | None = None, channels=None, workers: int = WORKERS,
        should_stop=None, progress=None) -> RunResult:
    """One run. `dry_run` writes nothing at all (no re-import, no alert) and sends nothing;
    `result.pending_sources` then counts the source changes a real run would import first.
    `now` fixes the clock for the outbox (tests). `progress`, when given, is called with one
    line naming each step as it starts (and the messages sent so far)."""
    # a web process freezes the evaluations it serves itself (service/latest.py): left alone
    set_aside = gc.get_freeze_count() == 0
    try:
        return _run(ws, on, now, dry_run, digest, channels, workers, should_stop, progress,
                    set_aside)
    finally:
        if set_aside:
            gc.unfreeze()


def _run(ws, on, now, dry_run, digest, channels, workers, should_stop, progress,
         set_aside) -> RunResult:
    started = time.monotonic()
    progress = progress or (lambda step: None)
    day = ws.today(on)
    fixed_now = now
    progress(f"evaluating and planning the alerts of {day.isoformat()}")
    snapshot, alerts, digest = plan(ws, day, now=now, digest=digest, sync=not dry_run,
                                    set_aside=set_aside)
    result = RunResult(day, alerts, digest, dry_run)
    result.rule_errors = rule_errors(ws.evaluate(day, sync=False))
    if dry_run:
        result.pending_sources = ws.pending_source_changes()
    if not dry_run:
        channels = channels or channels_mod.load(ws.practice.config_dir)
        ledger = Ledger(ws.store.engine)
        progress(f"writing {len(alerts):,} alerts to the outbox")
        result.enqueued = ledger.enqueue(alerts, day, channels.privacy, fixed_now or clock.utcnow())
        progress("delivering")
        result.outcome = deliver(ledger, channels, ws.practice,
                                 directory=planning.Directory(ws.practice, snapshot),
                                 now=fixed_now, as_of=day, workers=workers,
                                 should_stop=should_stop,
                                 progress=lambda n, due: progress(
                                     f"delivering: {n:,} of {due:,} messages sent"))
    result.seconds = time.monotonic() - started
    return result


def retry(ws, *, directory: planning.Directory | None = None, channels=None,
          now: datetime | None = None, workers: int = WORKERS, should_stop=None) -> DeliveryCounts:
    """Deliver what is due in the outbox (retries, leftovers of a crash) without evaluating."""
    channels = channels or channels_mod.load(ws.practice.config_dir)
    return deliver(Ledger(ws.store.engine), channels, ws.practice, directory=directory, now=now,
                   workers=workers, should_stop=should_stop)


def next_retry(ws) -> datetime | None:
    """When the next pending delivery is due, or None."""
    from sqlalchemy import select

    from nervecenter.alerts.ledger import deliveries_t

    with ws.store.engine.connect() as conn:
        return conn.execute(select(deliveries_t.c.next_attempt_at)
                            .where(deliveries_t.c.status == "pending")
                            .order_by(deliveries_t.c.next_attempt_at).limit(1)).scalar()
