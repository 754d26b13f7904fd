"""The daemon: DST-correct ticks, and real subprocesses on a real SQLite file (and PostgreSQL)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from kit import servers
from kit.daemon import killed_while_sending, start, statuses, wait_for
from kit.practice import DAEMON_PEOPLE as PEOPLE
from kit.practice import daemon_practice as write_practice

from nervecenter.core.model import Practice, Schedule
from nervecenter.service.cron import next_tick
from nervecenter.service.runner import digest_due

http_server = servers.http_server  # pytest fixture
CHI = ZoneInfo("America/Chicago")


def ticks(expr: str, start: datetime, n: int) -> list[str]:
    out, t = [], start
    for _ in range(n):
        t = next_tick(expr, CHI, t)
        out.append(t.isoformat())
    return out


def test_daily_tick_keeps_local_time_across_both_dst_changes():
    # 2026-03-08: clocks jump 02:00 -> 03:00 CDT; 2026-11-01: 02:00 CDT -> 01:00 CST.
    assert ticks("0 6 * * *", datetime(2026, 3, 7, 7, 0, tzinfo=CHI), 2) == [
        "2026-03-08T06:00:00-05:00", "2026-03-09T06:00:00-05:00"]
    assert ticks("0 6 * * *", datetime(2026, 10, 31, 7, 0, tzinfo=CHI), 2) == [
        "2026-11-01T06:00:00-06:00", "2026-11-02T06:00:00-06:00"]
    # In UTC the same 06:00 local is 11:00 in summer and 12:00 in winter.
    summer = next_tick("0 6 * * *", CHI, datetime(2026, 7, 1, tzinfo=UTC))
    winter = next_tick("0 6 * * *", CHI, datetime(2026, 12, 1, tzinfo=UTC))
    assert (summer.astimezone(UTC).hour, winter.astimezone(UTC).hour) == (11, 12)


def test_a_time_skipped_by_spring_forward_fires_once_at_the_end_of_the_gap():
    assert ticks("30 2 * * *", datetime(2026, 3, 7, 3, 0, tzinfo=CHI), 2) == [
        "2026-03-08T03:00:00-05:00", "2026-03-09T02:30:00-05:00"]


def test_a_time_repeated_by_fall_back_fires_once():
    got = ticks("30 1 * * *", datetime(2026, 10, 31, 2, 0, tzinfo=CHI), 2)
    assert got == ["2026-11-01T01:30:00-05:00", "2026-11-02T01:30:00-06:00"]


def test_weekly_digest_tick_and_digest_due():
    assert ticks("0 7 * * MON", datetime(2026, 11, 27, 12, 0, tzinfo=CHI), 2) == [
        "2026-11-30T07:00:00-06:00", "2026-12-07T07:00:00-06:00"]
    p = Practice("P", "America/Chicago", Path("."), "sqlite://",
                 schedule=Schedule(digest="0 7 * * MON"))
    monday = date(2026, 11, 30)
    assert digest_due(p, monday, datetime(2026, 11, 30, 6, 59, tzinfo=CHI)) is False
    assert digest_due(p, monday, datetime(2026, 11, 30, 7, 0, tzinfo=CHI)) is True
    assert digest_due(p, date(2026, 12, 1), datetime(2026, 12, 1, 9, 0, tzinfo=CHI)) is False
    # `--on` a Monday other than today: that day's digest counts.
    assert digest_due(p, date(2026, 12, 7), datetime(2026, 11, 27, 9, 0, tzinfo=CHI)) is True


# ---------------------------------------------------------------- subprocesses

@pytest.fixture
def practice_dir(tmp_path, http_server):
    write_practice(tmp_path, http_server)
    return tmp_path


def test_killed_during_a_stalled_delivery_then_restarted_loses_nothing(practice_dir, http_server,
                                                                        tmp_path):
    db = practice_dir / ".nervecenter" / "state.db"
    log = tmp_path / "daemon.log"
    killed_while_sending(practice_dir, log, http_server, "/p2")
    rows = statuses(db)
    # A first run: per person, the stage-7 alert and BLS's renewal deadline (30-day lead), each
    # to the person and the manager, summed up in one first-run summary per recipient.
    assert len(rows) == PEOPLE + 1
    in_flight = {r for r, status, since in rows if since is not None and status == "pending"}
    assert "p2" in in_flight and len(in_flight) <= 2  # at most the two workers' messages
    http_server.stalled.clear()
    http_server.release()
    second = start(practice_dir, log)
    try:
        wait_for(lambda: all(s == "sent" for _, s, _ in statuses(db)), what="every delivery sent")
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0
    finally:
        if second.poll() is None:
            second.kill()
    for path in ["/dana", *(f"/p{i}" for i in range(PEOPLE))]:
        received = len(http_server.to(path))
        allowed = 2 if path.strip("/") in in_flight else 1
        assert 1 <= received <= allowed, (path, received, in_flight)
    # The manager got one message summing up all twelve alerts.
    last = http_server.to("/dana")[-1].body
    assert last["title"].startswith("NerveCenter is now watching")
    assert "one summary of the 12 alerts" in last["message"]
    text = log.read_text()
    assert "run as of" in text and "stopped" in text
    assert "Traceback" not in text


def test_second_daemon_on_sqlite_exits_and_config_reload_keeps_the_old_on_error(
        practice_dir, http_server, tmp_path):
    log = tmp_path / "daemon.log"
    first = start(practice_dir, log)
    try:
        wait_for(lambda: "run as of" in log.read_text(), what="the first run")
        second = subprocess.run(
            [sys.executable, "-m", "nervecenter", "daemon", "--config", str(practice_dir)],
            capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 1
        assert "another daemon (pid " in second.stderr
        assert "one daemon per SQLite database" in second.stderr
        assert "Traceback" not in second.stderr
        # `run` refuses too, naming the holder.
        run = subprocess.run([sys.executable, "-m", "nervecenter", "run", "--once",
                              "--config", str(practice_dir)], capture_output=True, text=True, check=False,
                             timeout=60)
        assert run.returncode == 1 and "is delivering alerts for this database" in run.stderr
        # An invalid configuration is reported and the old one kept; a fixed one is reloaded.
        good = (practice_dir / "practice.yaml").read_text()
        write_practice(practice_dir, http_server, timezone="Mars/Olympus")
        wait_for(lambda: "keeping the previous one" in log.read_text(), what="the reload error")
        assert first.poll() is None
        time.sleep(0.05)
        (practice_dir / "practice.yaml").write_text(good + "\n")
        wait_for(lambda: "configuration reloaded" in log.read_text(), what="the reload")
        first.send_signal(signal.SIGINT)
        assert first.wait(15) == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert "Mars/Olympus" in log.read_text()  # the error named the bad value


@pytest.fixture
def postgres_url():
    base = os.environ.get("NERVECENTER_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("NERVECENTER_TEST_POSTGRES_URL is not set: no PostgreSQL to test the standby")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"nc_daemon_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_standby_takes_over_when_the_active_daemon_dies(postgres_url, http_server,
                                                                   tmp_path):
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"  # two hosts, one database
    for d in (a_dir, b_dir):
        d.mkdir()
        write_practice(d, http_server)
    env = {"NERVECENTER_DATABASE_URL": postgres_url}
    a_log, b_log = tmp_path / "a.log", tmp_path / "b.log"
    a = start(a_dir, a_log, env=env)
    b = None
    try:
        wait_for(lambda: "run as of" in a_log.read_text(), what="the active daemon's first run")
        b = start(b_dir, b_log, env=env)
        wait_for(lambda: "standby" in b_log.read_text(), what="the standby")
        assert "run as of" not in b_log.read_text()
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        killed = time.monotonic()
        wait_for(lambda: "took over" in b_log.read_text(), timeout=60, what="the takeover")
        assert time.monotonic() - killed < 60
        wait_for(lambda: "run as of" in b_log.read_text(), what="the new active daemon's run")
        b.send_signal(signal.SIGTERM)
        assert b.wait(15) == 0
    finally:
        for p in (a, b):
            if p is not None and p.poll() is None:
                p.kill()
    # Nothing was sent twice: the takeover found every alert already in the ledger.
    for path in ["/dana", *(f"/p{i}" for i in range(PEOPLE))]:
        assert len(http_server.to(path)) == 1, path


def test_the_daemon_retries_between_runs(practice_dir, http_server, tmp_path):
    text = (practice_dir / "practice.yaml").read_text()
    (practice_dir / "practice.yaml").write_text(text + "alerts: {retry_backoff_seconds: 1}\n")
    http_server.script("/p3", [500])
    log = tmp_path / "daemon.log"
    daemon = start(practice_dir, log)
    try:
        wait_for(lambda: "retry: 1 sent, 0 to retry, 0 failed" in log.read_text(),
                 what="the retry between runs")
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(15) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert len(http_server.to("/p3")) == 2
    assert log.read_text().count("run as of") == 1  # the retry needed no new evaluation
    # where it runs (absolute) and when it runs next, in the practice's time zone
    assert f"active on {practice_dir.resolve()}: evaluate" in log.read_text()
    assert re.search(r"next run \d{4}-\d\d-\d\d \d\d:\d\d[-+]\d\d:\d\d, next digest "
                     r"\d{4}-", log.read_text())
