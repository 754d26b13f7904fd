"""The outbox against real servers: Apprise mailto:// to aiosmtpd, json:// to a local HTTP server."""

from __future__ import annotations

import gc
import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from kit import servers
from sqlalchemy import select

from nervecenter.alerts import messages
from nervecenter.alerts.ledger import Ledger, alerts_t, deliveries_t
from nervecenter.alerts.outbox import deliver
from nervecenter.alerts.planning import Alert, Directory, Target
from nervecenter.core import channels as channels_mod
from nervecenter.core.model import AlertPolicy, Channel, Manager, Person, Practice, Snapshot
from nervecenter.store import db, migrations

smtp_server, http_server = servers.smtp_server, servers.http_server  # pytest fixtures
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ON = date(2026, 12, 1)


@pytest.fixture
def ledger(database_url):
    """The ledger on a fresh database at the newest revision: SQLite, then PostgreSQL."""
    engine = db.create(database_url)
    migrations.upgrade(engine)
    yield Ledger(engine)
    engine.dispose()


def practice(manager_urls=(), **policy) -> Practice:
    return Practice("Bayou Neuromonitoring", "America/Chicago", Path("."), "sqlite://",
                    alerts=AlertPolicy(**policy),
                    managers=(Manager("dana", "Dana Lee", tuple(Channel(u) for u in manager_urls)),))


def directory(p: Practice, people: dict[str, list[str]]) -> Directory:
    snap = Snapshot({pid: Person(pid, pid.title(), "technologist",
                                 notify=tuple(Channel(u) for u in urls))
                     for pid, urls in people.items()}, ())
    return Directory(p, snap)


def alert(key: str, recipient: str, urls: list[str], title: str | None = None) -> Alert:
    msg = messages.render(title or f"Alert {key}", [f"Body of {key}.", ["one", "two"]])
    return Alert(key, "stage", (recipient,), tuple(Target(recipient, u) for u in urls), msg,
                 person=recipient, stage=30)


def rows(ledger: Ledger) -> list[dict]:
    with ledger.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(deliveries_t)
                                                        .order_by(deliveries_t.c.id))]


def test_email_arrives_with_subject_recipient_text_and_html(ledger, smtp_server):
    ch = channels_mod.load()
    url = smtp_server.url("jprice@example.org")
    p = practice()
    ledger.enqueue([alert("credential:t-price:bls:2026-12-31:30", "t-price", [url],
                          title="Jordan Price: BLS Provider is due in 30 days (2026-12-31)")],
                   ON, ch.privacy, T0)
    out = deliver(ledger, ch, p, directory=directory(p, {"t-price": [url]}), now=T0)
    assert (out.sent, out.failed, out.retrying, out.messages) == (1, 0, 0, 1)
    [mail] = smtp_server.messages
    assert smtp_server.recipients() == [["jprice@example.org"]]
    assert mail["Subject"] == "Jordan Price: BLS Provider is due in 30 days (2026-12-31)"
    assert mail["To"] and "jprice@example.org" in mail["To"]
    html = mail.get_body(("html",)).get_content()
    assert "<li>one</li>" in html and "Body of credential:t-price:bls:2026-12-31:30." in html
    text = mail.get_body(("plain",)).get_content()
    assert "Body of credential:t-price:bls:2026-12-31:30." in text
    [row] = rows(ledger)
    assert (row["status"], row["attempts"], row["sending_since"]) == ("sent", 1, None)


def test_a_written_alert_keeps_its_title_and_summary_line_but_not_its_texts(ledger):
    """A first run writes 63,000 alerts at 5,000 people: once in the ledger, an alert holds
    its title (the printed plan) and its line (a first-run summary), composed once, not its
    text and HTML."""
    composed = []

    def compose():
        composed.append(1)
        return messages.render("Alert k1", ["Body of k1.", ["one", "two"]])

    a = Alert("k1", "stage", ("ann",), (), compose, person="ann", stage=30,
              summarized=(Target("ann", "file://ann.jsonl"),))
    assert ledger.enqueue([a], ON, str, T0) == (1, 0)
    held = gc.get_referents(a)
    assert not any(isinstance(r, messages.Message) for r in [*held, *gc.get_referents(*held)])
    assert not hasattr(a, "__dict__")  # 58,000 alerts in a first run: no instance dict each
    assert (a.title, a.line, len(composed)) == ("Alert k1", "Alert k1", 1)
    with ledger.engine.connect() as conn:
        assert conn.execute(select(alerts_t.c.text)).scalar().startswith("Body of k1.")


def test_webhook_gets_the_text_body(ledger, http_server):
    ch = channels_mod.load()
    url = http_server.url("/sms")
    ledger.enqueue([alert("k1", "t-price", [url], title="Title one")], ON, ch.privacy, T0)
    deliver(ledger, ch, practice(), now=T0)
    [req] = http_server.to("/sms")
    assert req.body["title"] == "Title one"
    assert req.body["message"].startswith("Body of k1.\n\n- one\n- two")


def test_several_alerts_for_one_person_are_one_message_per_channel(ledger, http_server):
    ch = channels_mod.load()
    a, b = http_server.url("/a"), http_server.url("/b")
    ledger.enqueue([alert("k1", "t-price", [a, b], "First"), alert("k2", "t-price", [a], "Second"),
                    alert("k3", "t-price", [a], "Third")], ON, ch.privacy, T0)
    p = practice()
    out = deliver(ledger, ch, p, directory=directory(p, {"t-price": [a, b]}), now=T0)
    assert (out.sent, out.messages) == (4, 2)
    [grouped] = http_server.to("/a")
    assert grouped.body["title"] == "3 alerts for T-Price: First"
    for title in ("First", "Second", "Third"):
        assert title in grouped.body["message"]
    assert http_server.to("/b")[0].body["title"] == "First"


def test_a_failed_channel_is_retried_without_resending_to_the_others(ledger, smtp_server,
                                                                        http_server):
    ch = channels_mod.load()
    email, sms = smtp_server.url("jprice@example.org"), http_server.url("/sms")
    http_server.script("/sms", [500])
    p = practice()
    ledger.enqueue([alert("k1", "t-price", [email, sms])], ON, ch.privacy, T0)
    first = deliver(ledger, ch, p, now=T0)
    assert (first.sent, first.retrying) == (1, 1)
    by_url = {r["url"]: r for r in rows(ledger)}
    assert by_url[sms]["status"] == "pending" and by_url[sms]["attempts"] == 1
    assert by_url[sms]["next_attempt_at"] == T0 + timedelta(seconds=60)
    assert "500" in by_url[sms]["last_error"]
    # 30 s later nothing is due; at 61 s the webhook is retried, the email is not re-sent.
    assert deliver(ledger, ch, p, now=T0 + timedelta(seconds=30)).messages == 0
    again = deliver(ledger, ch, p, now=T0 + timedelta(seconds=61))
    assert (again.sent, again.messages) == (1, 1)
    assert len(smtp_server.messages) == 1 and len(http_server.to("/sms")) == 2
    assert {r["status"] for r in rows(ledger)} == {"sent"}


def test_backoff_doubles_and_the_last_failure_tells_the_managers_with_secrets_masked(
        ledger, http_server, caplog):
    ch = channels_mod.load()
    secret = "s3cretTOKEN42"
    bad = http_server.url("/gateway", user="okafor", password=secret)
    manager = http_server.url("/dana")
    http_server.script("/gateway", [500] * 10)
    p = practice([manager], retry_attempts=6, retry_backoff_seconds=60)
    d = directory(p, {"t-okafor": [bad]})
    ledger.enqueue([alert("k1", "t-okafor", [bad], "Okafor: BLS lapsed")], ON, ch.privacy, T0)
    caplog.set_level(logging.DEBUG)
    now, waits = T0, []
    for attempt in range(1, 7):
        out = deliver(ledger, ch, p, directory=d, now=now)
        [row] = [r for r in rows(ledger) if r["alert_key"] == "k1"]
        assert row["attempts"] == attempt
        if attempt < 6:
            waits.append((row["next_attempt_at"] - now).total_seconds())
            assert out.retrying == 1
            now = row["next_attempt_at"]
    assert waits == [60, 120, 240, 480, 960]
    assert row["status"] == "failed" and out.failed == 1
    [notice] = http_server.to("/dana")
    assert notice.body["title"] == 'Delivery failed: "Okafor: BLS lapsed" to T-Okafor'
    assert "after 6 attempts" in notice.body["message"]
    assert len(http_server.to("/gateway")) == 6  # never told on the channel that failed
    # The secret is nowhere shown: not in the log, the ledger's display columns, errors, notice.
    shown = [caplog.text, json.dumps(ledger.log(), default=str), notice.body["message"],
             *(r["channel"] + (r["last_error"] or "") for r in rows(ledger))]
    for text in shown:
        assert secret not in text
    assert rows(ledger)[0]["channel"] == f"json://127.0.0.1:{http_server.port}/****"


def test_deliveries_run_concurrently_but_bounded(ledger, http_server):
    ch = channels_mod.load()
    http_server.delay = 0.2
    alerts = [alert(f"k{i}", f"p{i}", [http_server.url(f"/p{i}")]) for i in range(12)]
    ledger.enqueue(alerts, ON, ch.privacy, T0)
    out = deliver(ledger, ch, practice(), now=T0, workers=3)
    assert out.sent == 12
    assert http_server.max_in_flight == 3


def test_each_message_costs_one_commit_and_is_marked_before_it_is_sent(ledger, http_server):
    """A round's transaction records what came back and marks the next messages in flight
    (committing each apart cost two transactions a message); still, every row is committed
    in flight before its channel is called, and confirmed once it answered."""
    from sqlalchemy import event

    ch, commits, seen = channels_mod.load(), [], []
    urls = [http_server.url(f"/p{i}") for i in range(10)]
    ledger.enqueue([alert(f"k{i}", f"p{i}", [u]) for i, u in enumerate(urls)], ON, ch.privacy,
                   T0)
    event.listen(ledger.engine, "commit", lambda conn: commits.append(1))
    send = ch.send

    def checked(url, *args):
        with ledger.engine.connect() as conn:  # what another process would see now
            seen.append(conn.execute(select(deliveries_t.c.sending_since, deliveries_t.c.status)
                                     .where(deliveries_t.c.url == url)).one())
        send(url, *args)

    ch.send = checked
    out = deliver(ledger, ch, practice(), now=T0, workers=2)
    assert (out.sent, out.messages) == (10, 10)
    assert len(commits) <= 10 + 1  # each message's round, and the last results alone
    assert seen == [(T0, "pending")] * 10
    assert [(r["status"], r["sending_since"], r["attempts"]) for r in rows(ledger)] == \
        [("sent", None, 1)] * 10


def test_messages_that_come_back_together_share_one_transaction(ledger, monkeypatch):
    """A fast channel's messages come back a few milliseconds apart: a round records every one
    that came back within GATHER_SECONDS of the first (and marks as many new ones), so four
    workers cost a transaction per four messages, not one each. Held at a second here, so
    that a busy machine cannot split a round."""
    import itertools
    import threading
    import time

    from sqlalchemy import event

    from nervecenter import ChannelKind
    from nervecenter.alerts import outbox

    class Staggered(ChannelKind):
        id, schemes = "staggered", ("staggered",)
        turn, lock = itertools.count(), threading.Lock()

        def send(self, url, title, body, html):
            with self.lock:
                n = next(self.turn)
            time.sleep(0.01 + n % 4 * 0.005)  # the four of a round: 5 ms apart

    monkeypatch.setattr(outbox, "GATHER_SECONDS", 1.0)
    ch, commits = channels_mod.Channels([Staggered()]), []
    ledger.enqueue([alert(f"k{i}", f"p{i}", [f"staggered://p{i}"]) for i in range(12)], ON,
                   ch.privacy, T0)
    event.listen(ledger.engine, "commit", lambda conn: commits.append(1))
    out = deliver(ledger, ch, practice(), now=T0, workers=4)
    assert (out.sent, out.messages) == (12, 12)
    assert len(commits) <= 12 // 4 + 1  # three rounds of four, and the last results alone


def test_a_shared_channel_url_is_parsed_by_apprise_once_not_once_per_message(
        ledger, http_server, monkeypatch):
    """Three people on the team's webhook, on two runs: Apprise builds that URL's service
    once (a thread at a time uses it), and every message still arrives."""
    import apprise

    built = []
    instantiate = apprise.Apprise.instantiate

    def counted(url, *args, **kwargs):
        built.append(url)
        return instantiate(url, *args, **kwargs)

    monkeypatch.setattr(apprise.Apprise, "instantiate", staticmethod(counted))
    ch, team = channels_mod.load(), http_server.url("/team")
    for day in ("d1", "d2"):
        ledger.enqueue([alert(f"{day}-{p}", p, [team]) for p in ("ann", "bo", "cy")], ON,
                       ch.privacy, T0)
        assert deliver(ledger, ch, practice(), now=T0, workers=1).sent == 3
    assert len(http_server.to("/team")) == 6
    assert built == [team]


def test_file_channel_appends_json_lines_relative_to_the_config_dir(ledger, tmp_path):
    ch = channels_mod.load(base_dir=tmp_path)
    url = "file://.nervecenter/outbox/dana.jsonl"
    ledger.enqueue([alert("k1", "dana", [url], "One"), alert("k2", "t-x", [url], "Two")],
                   ON, ch.privacy, T0)
    deliver(ledger, ch, practice(), now=T0)
    lines = (tmp_path / ".nervecenter/outbox/dana.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["title"] for line in lines) == ["One", "Two"]


def test_an_unknown_url_fails_at_once_with_a_clear_masked_reason(ledger):
    ch = channels_mod.load()
    ledger.enqueue([alert("k1", "t-x", ["nosuchservice://user:pw12345@host/x"])], ON,
                   ch.privacy, T0)
    out = deliver(ledger, ch, practice(retry_attempts=6), now=T0)
    assert (out.failed, out.retrying) == (1, 0)  # retrying cannot help
    [row] = rows(ledger)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "not a URL Apprise can send to" in row["last_error"]
    assert "pw12345" not in row["last_error"] + row["channel"]


def test_a_channel_plugin_without_a_privacy_form_shows_no_secret():
    from nervecenter.core.channels import ChannelKind, Channels, DeliveryError

    class Pager(ChannelKind):  # a third party's channel that did not write privacy()
        id, schemes = "pager", ("pager",)

        def send(self, url, title, body, html):
            raise RuntimeError(f"refused {url}")

    url = "pager://ops:S3CRET@pager.example.org/page?token=T0KEN99"
    channels = Channels([Pager()])
    assert channels.privacy(url) == "pager://pager.example.org/****"
    with pytest.raises(DeliveryError) as failed:
        channels.send(url, "title", "body", None)
    assert "S3CRET" not in str(failed.value) and "T0KEN99" not in str(failed.value)
