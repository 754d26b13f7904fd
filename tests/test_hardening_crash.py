"""The daemon SIGKILLed at seeded random moments while it delivers to a real SMTP server and a slow,
sometimes failing webhook, restarted each time: at the end every planned alert reached every
channel (none lost) and no alert arrived twice more often than there were kills.

The single-kill case, two daemons on one database (SQLite and PostgreSQL) and the standby
take-over are in test_daemon.py; this suite repeats the kill (5 times by default, 30 with --slow).
"""

from __future__ import annotations

import random
import signal
import sqlite3
import time
from collections import Counter

import pytest
from kit import examples, servers
from kit.daemon import start, statuses, wait_for
from kit.practice import DAEMON_PEOPLE as PEOPLE
from kit.practice import daemon_practice as write_practice

smtp_server, http_server = servers.smtp_server, servers.http_server
KILLS = examples(5, 30)
FIGURES: dict[str, int] = {}


def _titles(db) -> dict[str, set[str]]:
    """Planned (recipient -> alert titles) from the ledger (a first-run summary stands for the
    alerts it sums up)."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT d.recipient, d.url, a.title FROM deliveries d "
                           "JOIN alerts a ON a.key = d.alert_key "
                           "WHERE d.status != 'summarized'").fetchall()
    finally:
        con.close()
    out: dict[tuple[str, str], set[str]] = {}
    for recipient, url, title in rows:
        out.setdefault((recipient, url.split("://")[0]), set()).add(title)
    return out


def test_daemon_killed_at_random_moments_loses_nothing(tmp_path, http_server, smtp_server):
    mail = smtp_server.url("dana@example.org")
    write_practice(tmp_path, http_server,
                   managers=[{"id": "dana", "name": "Dana Lee",
                              "notify": [http_server.url("/dana"), mail]}],
                   # a kill while a message is in flight counts as an attempt (a message that
                   # crashes the daemon is given up at last): allow more attempts than kills
                   alerts={"retry_backoff_seconds": 1, "retry_attempts": KILLS + 10})
    http_server.delay = 0.15  # a slow webhook: kills land while messages are in flight
    http_server.script("/p1", [500, 500, 503])  # and a failing one, retried
    db = tmp_path / ".nervecenter" / "state.db"
    log = tmp_path / "daemon.log"
    rng = random.Random(8)
    survived = 0
    for _ in range(KILLS):
        proc = start(tmp_path, log, "--workers", "1")
        try:
            time.sleep(rng.uniform(0.3, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            survived += 1
        finally:
            if proc.poll() is None:
                proc.kill()
    runs = log.read_text().count("run as of") if log.exists() else 0
    final = start(tmp_path, log, "--workers", "1")
    try:
        wait_for(lambda: log.read_text().count("run as of") > runs, timeout=60,
                 what="the last daemon's first run")
        wait_for(lambda: (rows := statuses(db)) and all(s == "sent" for _, s, _ in rows),
                 timeout=120, what="every delivery sent")
        final.send_signal(signal.SIGTERM)
        assert final.wait(15) == 0
    finally:
        if final.poll() is None:
            final.kill()
    planned = _titles(db)
    assert len(planned) == PEOPLE + 2  # each person's webhook, the manager's webhook and mail
    # channel -> titles received, and messages that repeated a title already received there
    received: dict[tuple[str, str], Counter] = {}
    repeated = 0
    refused = {"/p1": 3}  # the scripted 500, 500, 503: failed attempts, not deliveries
    texts = []
    for r in http_server.requests:
        if refused.get(r.path):
            refused[r.path] -= 1
            continue
        texts.append(((r.path.strip("/"), "json"),
                      f"{r.body.get('title', '')}\n{r.body.get('message', '')}"))
    for m in smtp_server.messages:
        body = m.get_body(("plain",))
        texts.append((("dana", "mailto"), f"{m['subject']}\n{body.get_content() if body else ''}"))
    for channel, text in texts:
        c = received.setdefault(channel, Counter())
        titles = [t for t in planned.get(channel, ()) if t in text]
        repeated += any(c[t] for t in titles)
        c.update(titles)
    lost = [(k, t) for k, titles in planned.items() for t in titles
            if received.get(k, Counter())[t] == 0]
    duplicates = repeated  # messages, as a kill can interrupt at most one (--workers 1)
    FIGURES.update(kills=survived, alerts=sum(len(t) for t in planned.values()), lost=len(lost),
                   duplicates=duplicates)
    print(f"\ncrash figures: {FIGURES}")
    assert lost == []
    assert duplicates <= survived
    assert "Traceback" not in log.read_text()


@pytest.mark.skipif(KILLS < 30, reason="the long run is part of --slow")
def test_the_long_run_was_long():
    assert KILLS == 30


def _counts(db) -> tuple[int, ...]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("people", "credentials", "audit_log", "import_files"))
    finally:
        con.close()


def _writing_started(wal, proc, initial: int) -> bool:
    """The import's transaction has begun writing (its WAL grew), or the process ended."""
    return proc.poll() is not None or (wal.exists() and wal.stat().st_size > initial + 65536)


def test_import_killed_mid_file_leaves_the_database_as_before_or_as_after(tmp_path):
    """SIGKILL during `import` of a large roster, at seeded moments inside its write phase
    (after its transaction began writing): each time the database holds nothing of it or all
    of it (counts of people, credentials, audit entries, files)."""
    import shutil
    import subprocess

    from kit.cli import NERVECENTER
    from kit.practice import big_roster, example_without_sources
    from kit.state import fresh_database

    template = example_without_sources(tmp_path / "template")
    rows = big_roster(template / "big.csv", 1_500_000, bad_at_end=False)
    fresh_database(template)
    command = [str(NERVECENTER), "import", "--config", ".", "big.csv"]

    def begin(work):
        wal = work / ".nervecenter" / "state.db-wal"
        initial = wal.stat().st_size if wal.exists() else 0
        proc = subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL)
        wait_for(lambda: _writing_started(wal, proc, initial), timeout=300, what="writing")
        return proc

    full = tmp_path / "full"
    shutil.copytree(template, full)
    proc = begin(full)
    writing = time.monotonic()
    assert proc.wait(300) == 0
    write_seconds = time.monotonic() - writing
    before, after = _counts(template / ".nervecenter" / "state.db"), \
        _counts(full / ".nervecenter" / "state.db")
    assert before[:2] == (0, 0) and after[1] == rows
    rng = random.Random(11)
    outcomes = Counter()
    for i in range(examples(4, 20)):
        work = tmp_path / f"kill{i}"
        shutil.copytree(template, work)
        proc = begin(work)
        time.sleep(rng.uniform(0, write_seconds))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        got = _counts(work / ".nervecenter" / "state.db")
        assert got in (before, after), got
        outcomes["before" if got == before else "after"] += 1
        shutil.rmtree(work)
    FIGURES["import_kills"] = sum(outcomes.values())
    print(f"\nimport kills in the write phase ({write_seconds:.2f} s): {dict(outcomes)}")


def test_a_renewal_drops_the_old_versions_pending_alerts_and_is_not_reverted(tmp_path,
                                                                            http_server):
    """p0's webhook fails the first time; the CLI records p0's renewal; the retry must not send
    the old version's alert, and the re-import of the unchanged roster must not undo it."""
    from kit.cli import run as run_cli

    write_practice(tmp_path, http_server, alerts={"retry_backoff_seconds": 1})
    http_server.script("/p0", [500])
    assert run_cli("run", "--config", ".", "--once", cwd=tmp_path)[0] == 0
    assert len(http_server.to("/p0")) == 1  # the failed attempt
    code, _, err = run_cli("renew", "--config", ".", "p0", "bls", "--expires", "2029-01-31",
                           cwd=tmp_path)
    assert code == 0, err
    time.sleep(1.2)  # the retry is due
    assert run_cli("run", "--config", ".", "--once", cwd=tmp_path)[0] == 0
    assert len(http_server.to("/p0")) == 1, "an alert for the renewed version was sent"
    con = sqlite3.connect(tmp_path / ".nervecenter" / "state.db")
    try:
        rows = con.execute("SELECT d.status FROM deliveries d JOIN alerts a "
                           "ON a.key = d.alert_key WHERE d.recipient = 'p0'").fetchall()
        expires = con.execute("SELECT expires FROM credentials WHERE credential_id = 'p0:bls' "
                              "ORDER BY version DESC").fetchone()[0]
    finally:
        con.close()
    assert rows and {r[0] for r in rows} == {"dropped"}
    assert expires == "2029-01-31"
    code, out, _ = run_cli("alerts", "log", "--config", ".", "--status", "dropped", cwd=tmp_path)
    assert code == 0 and "p0" in out
    from kit import web

    server = web.start(tmp_path, {"dana": ("manager", None)}, on=None)
    try:
        api = server.client(headers={
            "Authorization": f"Bearer {server.app.state.users.new_token('dana')}"})
        r = api.get("/api/alerts", params={"status": "dropped"})
        assert r.status_code == 200 and '"dropped"' in r.text
        assert server.login("dana").get("/alerts").status_code == 200
        api.close()
    finally:
        server.stop()


def test_renew_from_the_cli_while_the_daemon_plans_and_sends(tmp_path, http_server):
    """150 people due in 5 days, a slow webhook, one worker; `renew` of the last person runs
    while the daemon works. Afterwards the renewal stands (the daemon's re-import of the
    unchanged roster did not revert it) and at most the one message already in flight when
    the renewal committed reached that person."""
    import subprocess

    from kit.cli import NERVECENTER
    from kit.practice import write_yaml

    from nervecenter.core import clock

    write_practice(tmp_path, http_server)
    expires = (clock.today("America/Chicago") + __import__("datetime").timedelta(days=5))
    write_yaml(tmp_path / "people.yaml", {"people": [
        {"id": f"q{i}", "name": f"Person Q{i}", "role": "technologist",
         "notify": [http_server.url(f"/q{i}")],
         "credentials": [{"type": "bls", "issuer": "AHA", "expires": expires}]}
        for i in range(150)]})
    http_server.delay = 0.02
    db = tmp_path / ".nervecenter" / "state.db"
    log = tmp_path / "daemon.log"
    daemon = start(tmp_path, log, "--workers", "1")
    try:
        wait_for(lambda: len(http_server.requests) >= 5, timeout=60, what="deliveries to start")
        done = subprocess.run([str(NERVECENTER), "renew", "--config", str(tmp_path), "q149",
                               "bls", "--expires", "2029-01-31"], capture_output=True,
                              text=True, timeout=60, check=False)
        committed = time.monotonic()
        assert done.returncode == 0, done.stderr
        wait_for(lambda: (rows := statuses(db)) and all(s in ("sent", "dropped")
                                                        for _, s, _ in rows),
                 timeout=120, what="every delivery sent or dropped")
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(15) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    after = [r for r in http_server.to("/q149") if r.time > committed]
    assert len(after) <= 1
    con = sqlite3.connect(db)
    try:
        latest = con.execute("SELECT expires FROM credentials WHERE credential_id = 'q149:bls' "
                             "ORDER BY version DESC").fetchone()[0]
        dropped = con.execute("SELECT count(*) FROM deliveries WHERE status = 'dropped'"
                              ).fetchone()[0]
    finally:
        con.close()
    assert latest == "2029-01-31"
    FIGURES["renewal_race"] = len(after)
    print(f"\nrenewal during delivery: {len(after)} message(s) after the commit, "
          f"{dropped} deliveries dropped")
    assert "Traceback" not in log.read_text()
