"""`run`, `alerts plan | log | silence` on a copy of the example practice (file channels)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from kit import servers
from kit.practice import copy_example, daemon_practice

http_server = servers.http_server  # pytest fixture

@pytest.fixture
def practice(tmp_path):
    return copy_example(tmp_path / "example")


def lines(practice: Path, who: str) -> list[dict]:
    path = practice / ".nervecenter" / "outbox" / f"{who}.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def stage_alerts(out: str) -> set[str]:
    return {row["credential"] for row in json.loads(out)["alerts"] if row["kind"] == "stage"}


def test_run_delivers_to_the_file_channel_once_and_a_week_later_only_the_crossed_stages(
        practice, nc):
    code, out, err = nc("run", "--once", "--config", str(practice), "--on", "2026-12-01",
                        "--format", "json")
    assert code == 0, err
    first = json.loads(out)
    # By hand: t-price's BLS was issued 2025-12-15 and Ochsner accepts BLS cards for 12 months,
    # so it is due 2026-12-15: 14 days left on 2026-12-01 -> stage 30, to t-price only.
    [bls] = [a for a in first["alerts"] if a["credential"] == "t-price:bls" and a["kind"] == "stage"]
    assert (bls["key"], bls["kind"], bls["stage"], bls["recipients"]) == (
        "credential:t-price:bls:2026-12-15:30", "stage", 30, ["t-price"])
    # a first run: one summary, listing it (the alert in full is in the alert log)
    [summary] = lines(practice, "t-price")
    assert summary["title"].startswith("NerveCenter is now watching your credentials: ")
    assert "\n- BLS Provider no. 215410893127 is due in 14 days (2026-12-15)\n" in summary["body"]
    assert not lines(practice, "t-price-urgent")
    assert "0 failed" in err
    before = {p.name: p.read_text() for p in (practice / ".nervecenter" / "outbox").iterdir()}

    code, out, err = nc("run", "--once", "--config", str(practice), "--on", "2026-12-01",
                        "--format", "json")
    assert code == 0 and json.loads(out)["alerts"] == []
    after = {p.name: p.read_text() for p in (practice / ".nervecenter" / "outbox").iterdir()}
    assert after == before  # nothing new the same day

    # A week later: exactly the credentials whose stage changed in between (per the rules
    # engine's due dates of both days), and t-price's BLS reaches stage 7 (7 days left).
    from nervecenter.service.workspace import open_workspace

    ws = open_workspace(practice)

    def stages(day):
        return {d.credential.id: d for d in ws.evaluate(day).due_dates}

    then, now = stages(date(2026, 12, 1)), stages(date(2026, 12, 8))
    policy = ws.practice.alerts
    expected = {cid for cid, d in now.items()
                if d.stage is not None and d.days_left >= 0 and d.credential.status != "revoked"
                and (d.credential.status == "active" or d.stage <= policy.escalate_at)
                and (cid not in then or then[cid].stage != d.stage or then[cid].days_left < 0)}
    code, out, err = nc("run", "--once", "--config", str(practice), "--on", "2026-12-08",
                        "--format", "json")
    assert code == 0, err
    assert stage_alerts(out) == expected
    assert "t-price:bls" in expected
    [bls7] = [a for a in json.loads(out)["alerts"]
              if a["credential"] == "t-price:bls" and a["kind"] == "stage"]
    assert (bls7["stage"], bls7["recipients"]) == (7, ["t-price", "dana", "marcus"])
    # the stages crossed since go out as usual, in full
    [urgent] = [x for x in lines(practice, "t-price-urgent") if "BLS Provider" in x["body"]]
    assert "BLS Provider no. 215410893127 is due in 7 days (2026-12-15)." in urgent["body"]
    assert "Ochsner Medical Center accepts it only within 12 months of its issue date" in \
        urgent["body"]
    assert any("BLS Provider" in x["body"] for x in lines(practice, "marcus")[1:])


def test_dry_run_writes_nothing_and_plan_shows_what_a_run_would_send(practice, nc):
    from nervecenter.service.workspace import open_workspace

    # A fresh practice: the dry run imports nothing, so it plans nothing and says why.
    code, out, err = nc("run", "--once", "--dry-run", "--config", str(practice), "--on",
                        "2026-12-01", "--format", "json")
    assert code == 0 and json.loads(out)["alerts"] == []
    assert "source changes not imported yet (a run imports them first)" in err
    assert "nothing written or sent" in err
    assert open_workspace(practice).store.data_version() == 0  # no import, no audit entry
    # `alerts plan` re-imports the sources (as `status` does) and writes no alert.
    code, out, err = nc("alerts", "plan", "--config", str(practice), "--on", "2026-12-01",
                        "--format", "json")
    assert code == 0, err
    planned = json.loads(out)
    assert planned["as_of"] == "2026-12-01"
    assert set(planned["alerts"][0]) >= {"key", "kind", "person", "credential", "stage",
                                         "recipients"}
    code, out, err = nc("run", "--once", "--dry-run", "--config", str(practice), "--on",
                        "2026-12-01", "--format", "json")
    assert code == 0 and json.loads(out)["alerts"] == planned["alerts"]
    assert "not imported yet" not in err
    assert not (practice / ".nervecenter" / "outbox").exists()
    code, out, _ = nc("alerts", "log", "--config", str(practice), "--format", "json")
    assert json.loads(out) == {"alerts": []}


def test_log_shows_each_delivery_and_silence_holds_until_its_date(practice, nc):
    assert nc("alerts", "silence", "--config", str(practice), "--on", "2026-12-01",
              "--credential", "t-price:bls", "--until", "2026-12-10", "--reason", "renewing",
              "--by", "dana")[0] == 0
    code, out, _ = nc("alerts", "silence", "--list", "--config", str(practice), "--on",
                      "2026-12-01")
    assert "t-price:bls" in out and "2026-12-10" in out and "renewing" in out
    code, out, _ = nc("run", "--once", "--config", str(practice), "--on", "2026-12-08",
                      "--format", "json")
    assert "t-price:bls" not in stage_alerts(out)
    code, out, _ = nc("run", "--once", "--config", str(practice), "--on", "2026-12-11",
                      "--format", "json")
    assert "t-price:bls" in stage_alerts(out)  # 4 days left: stage 7, the silence is over
    code, out, _ = nc("alerts", "log", "--config", str(practice), "--person", "t-price",
                      "--kind", "stage", "--format", "json")
    [entry] = [a for a in json.loads(out)["alerts"] if a["credential"] == "t-price:bls"]
    assert entry["key"] == "credential:t-price:bls:2026-12-15:7"
    assert {(d["recipient"], d["channel"], d["status"]) for d in entry["deliveries"]} == {
        ("t-price", "file://.nervecenter/outbox/t-price.jsonl", "sent"),
        ("t-price", "file://.nervecenter/outbox/t-price-urgent.jsonl", "sent"),
        ("dana", "file://.nervecenter/outbox/dana.jsonl", "sent"),
        ("marcus", "file://.nervecenter/outbox/marcus.jsonl", "sent")}
    code, out, _ = nc("alerts", "log", "--config", str(practice), "--person", "t-price")
    assert code == 0
    assert out.splitlines()[0].split() == ["planned_at", "kind", "key", "recipient", "channel",
                                           "status", "attempts", "last_error"]


def test_silence_errors_are_one_line(practice, nc):
    code, _, err = nc("alerts", "silence", "--config", str(practice), "--on", "2026-12-01",
                      "--person", "nobody", "--until", "2026-12-10")
    assert code == 1 and err.strip() == "no person 'nobody'; `nervecenter status` lists them"
    code, _, err = nc("alerts", "silence", "--config", str(practice), "--on", "2026-12-01",
                      "--type", "bls", "--until", "2026-11-01")
    assert code == 1 and "is before today (2026-12-01)" in err
    code, _, err = nc("alerts", "silence", "--config", str(practice), "--until", "2026-12-10")
    assert code == 2 and "--person, --type and/or --credential" in err


def test_run_without_once_stays_until_its_retries_are_done(tmp_path, nc, http_server):
    daemon_practice(tmp_path, http_server, alerts={"retry_backoff_seconds": 1})
    http_server.script("/p1", [500, 500])  # two failures: retried after 1 s, then 2 s
    code, out, err = nc("run", "--config", str(tmp_path))
    assert code == 0, err
    assert "1 to retry" in out  # p1's first-run summary (of its stage alert and renewal deadline)
    assert out.strip().splitlines()[-1] == "retry: 1 sent, 0 to retry, 0 failed"
    assert [len(http_server.to(f"/p{i}")) for i in range(3)] == [1, 3, 1]
