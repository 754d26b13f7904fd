"""Secrets in channel URLs never appear in any output, log, error, page or database column meant
for display; YAML is only ever read with safe loaders; a plugin can be switched off by name.

Only two columns may hold a channel URL as written, because sending needs it: people.notify and
deliveries.url (`to send only, never to show`)."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest
from kit import servers, web
from kit.cli import run as run_cli
from kit.practice import copy_example, small_practice

from nervecenter.core import plugins

smtp_server, http_server = servers.smtp_server, servers.http_server
SECRET = "S3CRET"
SENDING_COLUMNS = {("people", "notify"), ("deliveries", "url")}


@pytest.fixture
def practice(tmp_path, smtp_server, http_server):
    mail = (f"mailto://nc:{SECRET}@127.0.0.1:{smtp_server.port}"
            "?from=nc@example.org&to=dana@example.org")
    hook = http_server.url("/hook", user="okafor", password=SECRET)
    # a header value and a path token (Apprise's own privacy form shows both)
    header = http_server.url("/hook2") + f"?+Authorization=Bearer%20{SECRET}"
    path_token = http_server.url(f"/hook3/{SECRET}")
    failing = http_server.url("/down", user="u", password=SECRET)
    http_server.script("/down", [500] * 50)
    return small_practice(tmp_path / "practice",
                          practice={"managers": [{"id": "dana", "name": "Dana Lee",
                                                  "notify": [mail]}]},
                          people={"t-price": {"notify": [hook, failing, header, path_token]}})


@pytest.fixture
def every_log():
    """Every log record of every logger, at every level, as text."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(old)


COMMANDS = [
    ["check"], ["plugins"], ["status", "--on", "2026-12-01", "--within", "3650"],
    ["cases", "--on", "2026-12-01"], ["conflicts", "--on", "2026-12-01"],
    ["alerts", "plan", "--on", "2026-12-01"], ["alerts", "plan", "--on", "2026-12-01",
                                                "--format", "json"],
    ["run", "--once", "--on", "2026-12-01"], ["run", "--once", "--on", "2026-12-01"],
    ["alerts", "log"], ["alerts", "log", "--format", "json"], ["alerts", "log", "--format", "csv"],
    ["export", "--out", "export"], ["audit", "--facility", "ochsner-main", "--on", "2026-12-01"],
    ["audit", "--facility", "ochsner-main", "--format", "html"],
]


def _dump(db: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value in the database."""
    conn = sqlite3.connect(db)
    out = []
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cur = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cur.description]
            for row in cur:
                out.extend((table, n, str(v)) for n, v in zip(names, row) if v is not None)
    finally:
        conn.close()
    return out


def test_secrets_appear_nowhere_but_where_sending_needs_them(practice, every_log, smtp_server,
                                                              http_server):
    def arg(command):
        return command[:2] + ["--config", "."] + command[2:] if command[0] == "alerts" \
            else command[:1] + ["--config", "."] + command[1:]

    seen = []
    for command in COMMANDS:
        if command == ["plugins"]:
            code, out, err = run_cli("plugins", cwd=practice)
        else:
            code, out, err = run_cli(*arg(command), cwd=practice)
        assert code == 0, (command, err)
        seen.append((" ".join(command), out + err))
    # (the mail fails: the test SMTP server offers no AUTH for the user and password, which
    # puts the secret through the error path as well)
    assert http_server.to("/hook") and http_server.to("/down") and http_server.to("/hook2")
    assert http_server.to(f"/hook3/{SECRET}")
    for name in ("people.csv", "credentials.csv", "cases.csv", "ce.csv"):
        if (practice / "export" / name).exists():
            seen.append((name, (practice / "export" / name).read_text()))
    seen.append(("logs", "\n".join(every_log)))
    # the web: every page and API answer a manager and the person can see
    server = web.start(practice, {"dana": ("manager", None), "price": ("person", "t-price")})
    try:
        for who in ("dana", "price"):
            c = server.login(who)
            for path in ("/", "/people", "/people/t-price", "/alerts", "/alerts?status=failed",
                         "/cases", "/calendar"):
                seen.append((f"{who} {path}", c.get(path).text))
            c.close()
        api = server.client(headers={
            "Authorization": f"Bearer {server.app.state.users.new_token('dana')}"})
        for path in ("/api/people", "/api/alerts", "/api/status", "/openapi.json"):
            seen.append((path, api.get(path).text))
        api.close()
    finally:
        server.stop()
    leaks = [where for where, text in seen if SECRET in text]
    assert leaks == [], leaks
    assert any("****" in text for _, text in seen), "the masked channels are shown somewhere"
    rows = _dump(practice / ".nervecenter" / "state.db")
    leaks = sorted({(t, c) for t, c, v in rows if SECRET in v} - SENDING_COLUMNS)
    assert leaks == [], leaks


@pytest.mark.parametrize("url", [
    f"mailto://nc:{SECRET}@",
    f"json://u:{SECRET}@",
    f"nosuchscheme://u:{SECRET}@127.0.0.1/x",
    f"mailto://nc:{SECRET}@127.0.0.1:1?from=a@example.org&to=b@example.org",  # nobody listens
    f"json://127.0.0.1:1/?+Authorization=Bearer%20{SECRET}",  # a header value
    f"form://127.0.0.1:1/?-X-Api-Key={SECRET}",  # a header value
    f"json://127.0.0.1:1/hook/{SECRET}",  # a path token
    f"mailto:jdoe:{SECRET}@smtp.example.com?to=b@example.org",  # no `//`: not parsed
    f"tgram://123456:{SECRET}/42",  # a token where the host would be
])
def test_errors_about_a_channel_do_not_show_its_secret(tmp_path, url, every_log):
    config = small_practice(tmp_path / "practice", practice={
        "managers": [{"id": "dana", "name": "Dana Lee", "notify": [url]}]})
    texts = []
    for command in (["check"], ["run", "--once", "--on", "2026-12-01"], ["alerts", "log"]):
        argv = command[:2] + ["--config", "."] + command[2:] if command[0] == "alerts" \
            else command[:1] + ["--config", "."] + command[1:]
        code, out, err = run_cli(*argv, cwd=config)
        assert code in (0, 1) and "Traceback" not in err
        texts.append(out + err)
    texts.extend(every_log)
    if (config / ".nervecenter" / "state.db").exists():
        texts.extend(v for t, c, v in _dump(config / ".nervecenter" / "state.db")
                     if (t, c) not in SENDING_COLUMNS)
    assert not [t for t in texts if SECRET in t]


def test_yaml_is_only_loaded_with_safe_loaders():
    """Every yaml.load in the code names a loader built on SafeLoader; no unsafe_load,
    full_load, FullLoader, UnsafeLoader or yaml.Loader anywhere."""
    root = Path(__file__).resolve().parent.parent
    files = sorted([*(root / "nervecenter").rglob("*.py"), *(root / "bench").rglob("*.py")])
    bad = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"yaml\.(unsafe_load|full_load|load_all|load)\s*\(([^)]*)\)", text):
            call, args = m.group(1), m.group(2)
            if call != "load" or not re.search(r"Loader\s*=\s*_Loader\b|Loader\s*=\s*yaml\."
                                               r"(CSafeLoader|SafeLoader)\b", args):
                bad.append(f"{path.relative_to(root)}: {m.group(0)}")
        for name in ("FullLoader", "UnsafeLoader", "yaml.Loader", "CLoader"):
            if name in text:
                bad.append(f"{path.relative_to(root)}: {name}")
    assert bad == []
    import yaml

    from nervecenter.core import yamlfile

    assert issubclass(yamlfile._Loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", ())))


def test_a_plugin_can_be_disabled_by_name(tmp_path, monkeypatch):
    config = copy_example(tmp_path / "practice")
    monkeypatch.setenv(plugins.DISABLE_ENV, "concurrency, facility-health")
    plugins.reset()
    try:
        code, out, _ = run_cli("plugins")
        assert code == 0
        assert "concurrency" not in out and "facility-health" not in out and "ionm" in out
        code, _, err = run_cli("check", "--config", ".", cwd=config)
        assert code == 1
        lines = err.splitlines()
        assert "facilities/ochsner-main.yaml:20: requirements.6.rule: unknown rule kind " \
               "'concurrent_cases'; `nervecenter plugins` lists the rule kinds" in lines
        assert any(line.startswith("facilities/tulane.yaml:") and "tb_screening" in line
                   for line in lines)
    finally:
        monkeypatch.delenv(plugins.DISABLE_ENV)
        plugins.reset()
    assert run_cli("check", "--config", ".", cwd=config)[0] == 0


def test_channel_urls_take_secrets_from_the_environment(tmp_path, http_server, monkeypatch):
    """`${NAME}` is read from the environment when sending, so practice files can be committed
    without the secret; an unset name is one line from `check` and a permanent failure."""
    config = small_practice(tmp_path / "practice", people={"t-price": {"notify": [
        f"json://127.0.0.1:{http_server.port}/env/${{NC_HOOK_TOKEN}}"]}})
    monkeypatch.delenv("NC_HOOK_TOKEN", raising=False)
    code, out, err = run_cli("check", "--config", ".", cwd=config)
    assert code == 1 and "NC_HOOK_TOKEN is not set" in err and "Traceback" not in err
    monkeypatch.setenv("NC_HOOK_TOKEN", SECRET)
    assert run_cli("check", "--config", ".", cwd=config)[0] == 0
    code, out, err = run_cli("run", "--config", ".", "--once", "--on", "2026-12-01", cwd=config)
    assert code == 0, err
    assert http_server.to(f"/env/{SECRET}")  # sent with the value
    assert SECRET not in out + err
    rows = _dump(config / ".nervecenter" / "state.db")
    assert not [(t, c) for t, c, v in rows if SECRET in v]  # stored as ${NC_HOOK_TOKEN}
