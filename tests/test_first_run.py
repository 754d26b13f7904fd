"""A practice's first run on the example, delivered for real (Apprise to a local SMTP server and a
local webhook), on SQLite and PostgreSQL: each recipient gets one short summary instead of the
backlog, every alert is in the ledger and none is sent again; the stages crossed later go out as
usual, and a person added later gets one summary of their own."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from kit import servers
from kit.practice import copy_example

from nervecenter.alerts import planning
from nervecenter.alerts.ledger import Ledger
from nervecenter.service import runner
from nervecenter.service.workspace import open_workspace

smtp_server, http_server = servers.smtp_server, servers.http_server  # pytest fixtures
PEOPLE = ("t-price", "t-nguyen", "t-okafor", "t-boudreaux", "t-garcia", "t-hebert", "r-adams",
          "r-kim", "r-patel")
WATCHING = "NerveCenter is now watching "


@pytest.fixture
def example(tmp_path, smtp_server, http_server):
    """The example with real channels: each person by email (Jordan Price also on an urgent
    webhook for stages 7 and 0), Dana on a webhook and by email, Marcus on a webhook for stages
    7 and 0."""
    config = copy_example(tmp_path / "example", practice={
        "base_url": "https://nc.example.org",
        "managers": [
            {"id": "dana", "name": "Dana Lee",
             "notify": [http_server.url("/dana"), smtp_server.url("dana@bayou.example")]},
            {"id": "marcus", "name": "Marcus Thibodeaux",
             "notify": [{"url": http_server.url("/marcus"), "stages": [7, 0]}]}]})
    people = config / "people.yaml"  # edited as text: the file as people write it stays
    text = people.read_text().replace("file://.nervecenter/outbox/t-price-urgent.jsonl",
                                      http_server.url("/t-price-urgent"))
    for pid in PEOPLE:
        text = text.replace(f"file://.nervecenter/outbox/{pid}.jsonl",
                            smtp_server.url(f"{pid}@bayou.example"))
    people.write_text(text)
    return config


def received(smtp_server, http_server) -> Counter:
    """Messages per (recipient, channel)."""
    got = Counter(("mail", to) for rcpts in smtp_server.recipients() for to in rcpts)
    got.update(("hook", r.path.strip("/")) for r in http_server.requests)
    return got


def texts(smtp_server, http_server) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(subject, text) of every message, per (recipient, channel)."""
    out: dict[tuple[str, str], list] = {}
    for m in smtp_server.messages:
        out.setdefault(("mail", m["To"].split("@")[0]), []).append(
            (m["Subject"], m.get_body(("plain",)).get_content().replace("\r\n", "\n")))
    for r in http_server.requests:
        out.setdefault(("hook", r.path.strip("/")), []).append((r.body["title"],
                                                               r.body["message"]))
    return out


def test_the_first_run_sends_one_summary_each_and_later_stages_as_usual(
        example, database_url, smtp_server, http_server):
    ws = open_workspace(example, database_url)
    first = runner.run(ws, on=date(2026, 12, 1))
    assert first.outcome.failed == first.outcome.retrying == 0, first.outcome.errors
    # one message per recipient and channel: every person by email, Dana twice (webhook and
    # email), Marcus once (his lapses); nothing on Jordan Price's urgent webhook (no stage 7 or 0)
    assert received(smtp_server, http_server) == Counter(
        {**{("mail", f"{p}@bayou.example"): 1 for p in (*PEOPLE, "dana")},
         ("hook", "dana"): 1, ("hook", "marcus"): 1})
    sent = texts(smtp_server, http_server)
    summaries = [a for a in first.alerts if a.kind == "first_run"]
    assert sorted(a.recipients[0] for a in summaries) == sorted((*PEOPLE, "dana", "marcus"))
    backlog = [a for a in first.alerts if a.kind != "first_run"]
    for (channel, who), [(subject, text)] in sent.items():
        assert subject.startswith(WATCHING), (who, subject)
        assert len(text) < 4000 and len(subject) <= 78, who  # short, whatever the backlog
        mine = [a for a in backlog if any(t.recipient == who for t in a.summarized)]
        listed = re.findall(r"^- (.+)$", text, re.MULTILINE)
        assert len(listed) == min(25, len(mine)) and len(mine) > 1, who
        assert f"one summary of the {len(mine)} alerts" in text
    # Dana: 28 alerts, the 25 most urgent listed (a lapse first), then how many more and where
    [(subject, dana)] = sent[("hook", "dana")]
    assert subject.startswith(f"{WATCHING}Bayou Neuromonitoring: 4 past their due date, ")
    assert re.search(r"^- .*(past due|lapsed)", dana, re.MULTILINE).start() == \
        re.search(r"^- ", dana, re.MULTILINE).start()
    assert dana.endswith("… and 3 more, not written out here: https://nc.example.org/alerts, or "
                         "nervecenter alerts log --person dana")
    [(_, marcus)] = sent[("hook", "marcus")]
    assert "one summary of the 4 alerts" in marcus  # only what his stage filter lets through
    [(_, price)] = sent[("mail", "t-price")]
    assert "\n- BLS Provider no. 215410893127 is due in 14 days (2026-12-15)\n" in price

    # every alert is in the ledger, whole; its deliveries covered by the summaries
    ledger = Ledger(ws.store.engine)
    log = ledger.log(limit=None)
    assert len(log) == len(first.alerts)
    statuses = Counter(d["status"] for a in log for d in a["deliveries"])
    summed = sum(len(a.summarized) for a in backlog)
    assert statuses == {"sent": 12, "summarized": summed} and summed > 100
    assert all(not a.targets for a in backlog)
    assert f"12 deliveries queued (and {summed} in first-run summaries)" in first.line()

    # the same day again: nothing planned, nothing sent
    again = runner.run(ws, on=date(2026, 12, 1))
    assert again.alerts == [] and sum(received(smtp_server, http_server).values()) == 12

    # a week later the stages crossed since go out as usual, in full: Jordan Price's BLS at
    # stage 7 on his email and urgent webhook, and to both managers
    later = runner.run(ws, on=date(2026, 12, 8))
    assert later.outcome.failed == later.outcome.retrying == 0, later.outcome.errors
    assert not [a for a in later.alerts if a.kind == "first_run"]
    assert all(not a.summarized for a in later.alerts)
    sent = texts(smtp_server, http_server)
    for channel in (("mail", "t-price"), ("hook", "t-price-urgent"), ("hook", "dana"),
                    ("hook", "marcus")):
        subject, text = sent[channel][-1]
        assert not subject.startswith(WATCHING), channel
        assert "BLS Provider no. 215410893127 is due in 7 days (2026-12-15)." in text, channel


def test_a_person_added_later_gets_one_summary_and_a_single_alert_goes_as_itself(
        example, database_url, smtp_server, http_server):
    ws = open_workspace(example, database_url)
    runner.run(ws, on=date(2026, 12, 1))
    before = received(smtp_server, http_server)
    with (example / "people.yaml").open("a") as f:
        f.write(f"""
  - id: t-new
    name: Casey New
    role: technologist
    notify: ["{smtp_server.url('t-new@bayou.example')}"]
    credentials:
      - {{type: bls, issuer: AHA, expires: 2026-11-20}}
      - {{type: cnim, issuer: ABRET, expires: 2026-11-25}}
  - id: t-one
    name: Robin One
    role: technologist
    notify: ["{smtp_server.url('t-one@bayou.example')}"]
    credentials:
      - {{type: bls, issuer: AHA, expires: 2027-01-31}}
""")
    ws = open_workspace(example, database_url)
    result = runner.run(ws, on=date(2026, 12, 2))
    assert result.outcome.failed == result.outcome.retrying == 0, result.outcome.errors
    new = received(smtp_server, http_server) - before
    assert new[("mail", "t-new@bayou.example")] == 1 and new[("mail", "t-one@bayou.example")] == 1
    sent = texts(smtp_server, http_server)
    [(subject, text)] = sent[("mail", "t-new")]
    assert subject.startswith(f"{WATCHING}your credentials: 2 past their due date")
    [(subject, text)] = sent[("mail", "t-one")]  # one alert: itself, in full
    assert subject == "Robin One: BLS Provider is due in 60 days (2027-01-31)"
    # the managers, reached before, hear of the lapses as usual
    [(subject, text)] = sent[("hook", "dana")][1:]
    assert not subject.startswith(WATCHING) and "Casey New: BLS Provider lapsed" in text
    assert [a.recipients for a in result.alerts if a.kind == "first_run"] == [("t-new",)]


def test_a_renewal_before_the_summary_is_sent_leaves_its_line_out(example, http_server):
    """Jordan Price's summary fails once (on his urgent webhook, here his only channel); his BLS
    is renewed before the retry: the retry's summary no longer lists it, and its line is
    dropped, as an alert of the old version would be."""
    from datetime import UTC, datetime, timedelta

    from nervecenter.service import actions

    people = example / "people.yaml"
    text = people.read_text()
    at = text.index("  - id: t-price")
    end = text.index("  - id: ", at + 1)
    hook = http_server.url("/t-price")
    block = re.sub(r"    notify:\n(      - .*\n)+", f'    notify: ["{hook}"]\n', text[at:end])
    people.write_text(text[:at] + block + text[end:])
    http_server.script("/t-price", [500])
    ws = open_workspace(example)
    first = runner.run(ws, on=date(2026, 12, 1))
    assert first.outcome.retrying == 1
    [(_, failed)] = [(r.body["title"], r.body["message"]) for r in http_server.to("/t-price")]
    assert "- BLS Provider no. 215410893127 is due in 14 days (2026-12-15)" in failed
    actions.renew(ws, "dana", "t-price", "bls", expires=date(2028, 12, 31))
    directory = planning.Directory(ws.practice, ws.snapshot(date(2026, 12, 1)))
    retry = runner.retry(ws, directory=directory, now=datetime.now(UTC) + timedelta(hours=1))
    assert retry.sent == 1
    [_, sent] = [r.body["message"] for r in http_server.to("/t-price")]
    # its stage and its renewal deadline are left out; the rest as planned
    assert "BLS Provider" not in sent and "one summary of the 11 alerts" in sent
    assert sent.startswith("NerveCenter is now watching your credentials: 4 due within 90 days, "
                           "1 renewal to start now, ")
    assert "HIPAA training at Tulane Medical Center is due in 44 days (2027-01-14)" in sent
    log = Ledger(ws.store.engine).log(person="t-price", kind="stage", limit=None)
    [bls] = [d["status"] for a in log if a["credential"] == "t-price:bls" for d in a["deliveries"]
             if d["recipient"] == "t-price"]
    assert bls == "dropped"
    # a summary with no line left is not sent at all: test_hardening_crash.py,
    # test_a_renewal_drops_the_old_versions_pending_alerts_and_is_not_reverted
