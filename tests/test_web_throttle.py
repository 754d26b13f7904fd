"""Issue 13, point 8: the login throttle lives in the database. Before, it was one process's
memory: it never forgot (200 failures with 1 MB user names: +200 MB), 60 parallel wrong
passwords had 18 checked instead of 5, anyone could lock a named user out from anywhere, and
each worker of `serve --workers N` counted alone."""

from __future__ import annotations

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from kit import web
from kit.cli import NERVECENTER

from nervecenter.store import throttle
from nervecenter.store.throttle import LoginThrottle


def _login(url: str, name: str, password: str, address: str = "127.0.0.1",
           forwarded_for: str | None = None) -> int:
    transport = httpx.HTTPTransport(local_address=address)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    with httpx.Client(base_url=url, transport=transport, timeout=60, headers=headers) as c:
        token = web.csrf_of(c.get("/login").text)
        return c.post("/login", data={"username": name, "password": password,
                                      "csrf_token": token}).status_code


@contextmanager
def _serve(tmp_path: Path, *options: str):
    """`nervecenter serve OPTIONS` over the example practice, with manager dana; its URL."""
    config = web.example_practice(tmp_path)
    added = subprocess.run([str(NERVECENTER), "users", "add", "dana", "--role", "manager",
                            "--config", str(config)], input=web.PASSWORD + "\n", text=True,
                           capture_output=True, check=False)
    assert added.returncode == 0, added.stderr
    with web.serve(config, *options, "--on", "2026-12-01") as (url, _):
        yield url


@pytest.fixture
def two_workers(tmp_path):
    with _serve(tmp_path, "--workers", "2") as url:
        yield url


def test_sixty_parallel_wrong_passwords_on_two_workers_check_at_most_five(two_workers):
    url = two_workers
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda _: _login(url, "dana", "wrong password"), range(60)))
    checked = answers.count(401)  # a password checked and found wrong; 429: refused unchecked
    assert checked <= throttle.PAIR_LIMIT and answers.count(429) == 60 - checked, answers
    assert _login(url, "dana", web.PASSWORD) == 429  # the right one waits too, from here
    # ... but not from another address: a lock-out from one address is not everyone's
    assert _login(url, "dana", web.PASSWORD, address="127.0.0.2") == 303


def test_a_user_is_held_everywhere_only_after_many_failures_from_many_addresses(tmp_path):
    """A password guessed from many addresses: after USER_LIMIT failures of one name in the
    window, it waits from every address (the generous global limit of docs/web.md)."""
    t = LoginThrottle(_engine(tmp_path))
    for n in range(throttle.USER_LIMIT):
        address = f"10.0.{n // throttle.PAIR_LIMIT}.1"
        assert t.begin(address, "dana") == 0
    assert t.begin("10.9.9.9", "dana") > 0
    assert t.begin("10.9.9.9", "marcus") == 0


def test_one_address_spraying_names_is_held(tmp_path):
    t = LoginThrottle(_engine(tmp_path))
    for n in range(throttle.ADDRESS_LIMIT):
        assert t.begin("10.0.0.1", f"name-{n}") == 0
    assert t.begin("10.0.0.1", "dana") > 0
    assert t.begin("10.0.0.2", "dana") == 0


def test_long_user_names_cost_no_work_and_no_memory(tmp_path):
    """Names longer than the users table allows are wrong at once: no row, no password hashed.
    Before: each failure kept its name in memory (1 MB names: +1 MB each)."""
    config = web.example_practice(tmp_path)
    server = web.start(config, {"dana": ("manager", None)})
    try:
        rss = _rss_mb()
        with httpx.Client(base_url=server.url, timeout=60) as c:
            token = web.csrf_of(c.get("/login").text)
            for n in range(200):
                assert c.post("/login", data={"username": f"{n:05d}" + "x" * 60_000,
                                              "password": "wrong password",
                                              "csrf_token": token}).status_code == 401
        assert server.app.state.login_throttle.rows() == 0
        assert _rss_mb() - rss < 30
        # short names: the address limit bounds the rows (each try below it hashes a password)
        for n in range(throttle.ADDRESS_LIMIT + 5):
            _login(server.url, f"user-{n}", "wrong password")
        assert server.app.state.login_throttle.rows() == throttle.ADDRESS_LIMIT
    finally:
        server.stop()


def test_the_throttle_forgets_after_its_window_and_on_success(database_url):
    from nervecenter.store import db, migrations

    engine = db.create(database_url)
    migrations.ensure_current(engine)
    now = [1000.0]
    t = LoginThrottle(engine, now=lambda: now[0])
    for _ in range(throttle.PAIR_LIMIT):
        assert t.begin("127.0.0.1", "dana") == 0
    assert t.begin("127.0.0.1", "Dana ") == 15 * 60 + 1  # the same name, normalised
    now[0] = 1000 + 15 * 60 - 1
    assert t.begin("127.0.0.1", "dana") == 2  # one second left, rounded up
    now[0] = 1000 + 15 * 60
    assert t.begin("127.0.0.1", "dana") == 0
    assert t.rows() == 1  # the old ones pruned
    t.succeeded("127.0.0.1", "dana")
    assert t.rows() == 0
    engine.dispose()


def test_parallel_tries_are_counted_atomically(database_url):
    """60 threads, each its own connection, on SQLite and PostgreSQL: five go on."""
    from nervecenter.store import db, migrations

    engine = db.create(database_url)
    migrations.ensure_current(engine)
    t = LoginThrottle(engine)
    barrier = threading.Barrier(20)

    def attempt(_):
        barrier.wait()
        return t.begin("127.0.0.1", "dana")

    with ThreadPoolExecutor(max_workers=20) as pool:
        waits = list(pool.map(attempt, range(60)))
    assert waits.count(0) == throttle.PAIR_LIMIT
    engine.dispose()


def _engine(tmp_path: Path):
    from nervecenter.store import db, migrations

    engine = db.create(f"sqlite:///{tmp_path / 'state.db'}")
    migrations.ensure_current(engine)
    return engine


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.parametrize("trusted", [True, False])
def test_behind_a_trusted_proxy_each_client_address_is_counted(tmp_path, trusted):
    """`serve --proxy 127.0.0.1`: the throttle counts the address the proxy forwards for. Before
    (and without the option) every client shared the proxy's address, so one client's failures
    held up everyone's logins; a forwarded header from any other peer is ignored."""
    options = ["--proxy", "127.0.0.1"] if trusted else []
    with _serve(tmp_path, *options) as url:
        for _ in range(throttle.PAIR_LIMIT):
            assert _login(url, "dana", "wrong", forwarded_for="203.0.113.5") == 401
        assert _login(url, "dana", web.PASSWORD, forwarded_for="203.0.113.5") == 429
        assert _login(url, "dana", web.PASSWORD, forwarded_for="203.0.113.9") == (
            303 if trusted else 429)
        # a peer that is not the proxy cannot pick its address by a header
        for n in range(throttle.PAIR_LIMIT):
            _login(url, "dana", "wrong", address="127.0.0.2", forwarded_for=f"198.51.100.{n}")
        assert _login(url, "dana", web.PASSWORD, address="127.0.0.2",
                      forwarded_for="198.51.100.99") == 429


def test_a_proxy_that_is_not_an_address_is_refused(tmp_path):
    done = subprocess.run([str(NERVECENTER), "serve", "--proxy", "nginx.local"],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 2
    assert ("'nginx.local' is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
            in done.stderr)
